"""MockTransport, event hooks and authentication."""

from __future__ import annotations

import base64

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.http import (
    Auth,
    BasicAuth,
    BearerAuth,
    Client,
    ConnectError,
    HttpClient,
    HTTPStatusError,
    MockTransport,
    ReadTimeout,
    Request,
    Response,
)

pytestmark = pytest.mark.asyncio


async def test_mock_routes_by_method_and_url():
    mock = MockTransport()
    mock.add("GET", "https://api.test/users", json=[{"id": 1}])
    mock.add("POST", "https://api.test/users", status_code=201, json={"id": 2})
    async with HttpClient(transport=mock, base_url="https://api.test") as c:
        r = await c.get("/users")
        assert r.status_code == 200 and r.json() == [{"id": 1}]
        r = await c.post("/users", json={"name": "b"})
        assert r.status_code == 201 and r.json() == {"id": 2}
    assert [(q.method, q.url) for q in mock.requests] == [
        ("GET", "https://api.test/users"),
        ("POST", "https://api.test/users"),
    ]
    assert mock.requests[1].json() == {"name": "b"}
    assert mock.routes[0].calls == 1


async def test_mock_query_matching():
    mock = MockTransport()
    mock.add("GET", "https://api.test/s?q=a", text="A")
    mock.add("GET", "https://api.test/s", text="any")
    async with HttpClient(transport=mock) as c:
        assert (await c.get("https://api.test/s", params={"q": "a"})).text == "A"
        assert (await c.get("https://api.test/s", params={"q": "b"})).text == "any"


async def test_mock_times_and_errors():
    mock = MockTransport()
    mock.add("GET", "https://api.test/x", error=ReadTimeout("simulated", url="https://api.test/x"), times=1)
    mock.add("*", "https://api.test/x", content=b"second")
    async with HttpClient(transport=mock) as c:
        with pytest.raises(ReadTimeout, match="simulated"):
            await c.get("https://api.test/x")
        assert (await c.get("https://api.test/x")).content == b"second"
        assert (await c.delete("https://api.test/x")).content == b"second"


async def test_mock_unmatched_request_names_the_routes():
    mock = MockTransport()
    mock.add("GET", "https://api.test/a", text="a")
    async with HttpClient(transport=mock) as c:
        with pytest.raises(
            ConnectError, match=r"no response for this request \(registered: GET https://api.test/a\)"
        ) as e:
            await c.get("https://api.test/b")
        assert e.value.url == "https://api.test/b"


async def test_mock_handler_and_async_handler():
    def handler(request: Request) -> Response:
        return Response(200, json={"echo": str(request.url)})

    async with HttpClient(transport=MockTransport(handler)) as c:
        assert (await c.get("https://h.test/p")).json() == {"echo": "https://h.test/p"}

    async def ahandler(request: Request) -> Response:
        return Response(418, text="teapot")

    async with HttpClient(transport=MockTransport(ahandler)) as c:
        r = await c.get("https://h.test/p")
        assert r.status_code == 418
        with pytest.raises(HTTPStatusError, match="418"):
            r.raise_for_status()


async def test_mock_with_the_sync_client():
    mock = MockTransport()
    mock.add("GET", "https://api.test/x", json={"ok": True})
    with Client(transport=mock) as c:
        r = c.get("https://api.test/x")
        assert r.json() == {"ok": True}
        assert r.request.method == "GET"


async def test_mock_rejects_relative_routes():
    with pytest.raises(InvalidArgumentError, match="absolute URL"):
        MockTransport().add("GET", "/relative")


async def test_event_hooks_sync_and_async(base):
    log: list[str] = []

    def on_request(request: Request) -> None:
        request.headers["X-Hooked"] = "1"
        log.append(f"req {request.method} {request.url}")

    async def on_response(response: Response) -> None:
        log.append(f"resp {response.status_code}")

    async with HttpClient(event_hooks={"request": [on_request], "response": [on_response]}) as c:
        r = await c.get(base + "/echo")
        assert ["x-hooked", "1"] in r.json()["headers"]
        assert log == [f"req GET {base}/echo", "resp 200"]


async def test_response_hook_can_raise(base):
    async with HttpClient(event_hooks={"response": [lambda r: r.raise_for_status()]}) as c:
        with pytest.raises(HTTPStatusError):
            await c.get(base + "/status/404")


async def test_hooks_see_a_streamed_response(base):
    seen = []
    hooks = {"response": [lambda r: seen.append(r.status_code)]}
    async with HttpClient(event_hooks=hooks) as c, c.stream("GET", base + "/stream") as r:
        assert [line async for line in r.aiter_lines()] == ["line 0", "line 1", "line 2", "line 3", "line 4"]
    assert seen == [200]


async def test_unknown_hook_name():
    with pytest.raises(InvalidArgumentError, match="unknown event hook"):
        HttpClient(event_hooks={"error": []})


def _auth_header(echo: dict) -> list[str]:
    return [v for k, v in echo["headers"] if k == "authorization"]


@pytest.mark.parametrize(
    ("auth", "expected"),
    [
        (("alice", "s3cret"), "Basic " + base64.b64encode(b"alice:s3cret").decode()),
        (BasicAuth("bob", "pw"), "Basic " + base64.b64encode(b"bob:pw").decode()),
        (BearerAuth("tok123"), "Bearer tok123"),
    ],
)
async def test_client_auth(base, auth, expected):
    async with HttpClient(auth=auth) as c:
        assert _auth_header((await c.get(base + "/echo")).json()) == [expected]


async def test_per_request_auth_overrides_the_client(base):
    async with HttpClient(auth=BearerAuth("client")) as c:
        r = await c.get(base + "/echo", auth=BearerAuth("request"))
        assert _auth_header(r.json()) == ["Bearer request"]


async def test_custom_async_auth(base):
    class Signer(Auth):
        async def auth_flow(self, request: Request) -> Request:
            request.headers["X-Signature"] = f"sig:{request.method}:{len(request.content)}"
            return request

    async with HttpClient(auth=Signer()) as c:
        r = await c.post(base + "/echo", content=b"12345")
        assert ["x-signature", "sig:POST:5"] in r.json()["headers"]


async def test_callable_auth(base):
    def add_key(request: Request) -> Request:
        request.headers["X-Api-Key"] = "k"
        return request

    async with HttpClient() as c:
        r = await c.get(base + "/echo", auth=add_key)
        assert ["x-api-key", "k"] in r.json()["headers"]


@pytest.mark.parametrize("bad", [("only-user",), 42, "token-string"])
async def test_invalid_auth(bad):
    with pytest.raises(InvalidArgumentError, match="auth="):
        HttpClient(auth=bad)


async def test_bearer_token_validation():
    with pytest.raises(InvalidArgumentError):
        BearerAuth("bad\ntoken")
