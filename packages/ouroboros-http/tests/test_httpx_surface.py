"""httpx's public API beyond the client: URL, QueryParams, codes, Request, Response(...),
transports (mock, WSGI, ASGI, mounts), Digest auth, module-level calls and trio callers."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import re
from typing import Any

import pytest

import ouroboros.http as http
from ouroboros.core import InvalidArgumentError
from ouroboros.http import URL, QueryParams, Request, Response, codes

# -- URL ------------------------------------------------------------------------


def test_url_parts_and_normalisation():
    url = URL("HTTPS://User:p%40ss@EXAMPLE.com:443/a/./b/../c d?x=1 2#frag")
    assert str(url) == "https://User:p%40ss@example.com/a/c%20d?x=1%202#frag"
    assert (url.scheme, url.host, url.port) == ("https", "example.com", None)
    assert (url.username, url.password) == ("User", "p@ss")
    assert url.path == "/a/c d"
    assert url.raw_path == b"/a/c%20d?x=1%202"
    assert url.query == b"x=1%202"
    assert url.fragment == "frag"
    assert repr(url) == "URL('https://User:[secure]@example.com/a/c%20d?x=1%202#frag')"
    assert url == "https://User:p%40ss@example.com/a/c%20d?x=1%202#frag"


def test_url_idna_ipv6_and_errors():
    assert URL("https://faß.de/").raw_host == b"xn--fa-hia.de"
    assert URL("https://faß.de/").host == "faß.de"
    assert URL("http://[::1]:8080/").netloc == b"[::1]:8080"
    with pytest.raises(http.InvalidURL, match=r"^Invalid port: 'abc'$"):
        URL("https://example.com:abc/")
    with pytest.raises(http.InvalidURL, match="Invalid IPv4 address"):
        URL("https://999.1.1.1/")
    with pytest.raises(http.InvalidURL, match="non-printable ASCII character in URL, '\\\\n' at position 24"):
        URL("https://www.example.com/\n")
    with pytest.raises(TypeError, match="'pathh' is an invalid keyword argument for URL"):
        URL("https://example.com", pathh="/")


def test_url_copy_join_and_params():
    url = URL("https://example.org:123/path/to/somewhere", params={"a": "b c", "d": "e/f"})
    assert str(url) == "https://example.org:123/path/to/somewhere?a=b+c&d=e%2Ff"
    assert url.copy_with(scheme="http", port=None).join("../else") == "http://example.org/path/else"
    assert url.copy_remove_param("a").copy_add_param("z", 1) == "https://example.org:123/path/to/somewhere?d=e%2Ff&z=1"
    assert URL("http://example.com/b/c/d;p?q").join("../../g") == "http://example.com/g"
    assert str(URL(scheme="https", host="::1", path="/x")) == "https://[::1]/x"


def test_query_params():
    q = QueryParams("a=1&a=2&b=3")
    assert q["a"] == "1" and q.get_list("a") == ["1", "2"]
    assert dict(q) == {"a": "1", "b": "3"}
    assert str(q.merge({"a": "0", "c": True})) == "a=0&b=3&c=true"
    assert q.set("b", None) == QueryParams([("a", "1"), ("a", "2"), ("b", "")])
    assert repr(q.remove("a")) == "QueryParams('b=3')"
    with pytest.raises(RuntimeError):
        q["a"] = "9"


def test_codes():
    assert codes.NOT_FOUND == 404 and codes.not_found is codes.NOT_FOUND
    assert str(codes.OK) == "200"
    assert codes.get_reason_phrase(418).lower() == "i'm a teapot"
    assert codes.get_reason_phrase(499) == ""
    assert codes.is_error(503) and not codes.is_error(302)


# -- Request --------------------------------------------------------------------


def test_request_bodies_and_headers():
    r = Request("POST", "http://example.org/x", json={"a": 1}, params={"q": "1"})
    assert r.url == "http://example.org/x?q=1"
    assert r.content == b'{"a":1}'
    assert r.headers == {"Host": "example.org", "Content-Type": "application/json", "Content-Length": "7"}
    assert next(iter(r.headers)) == "host"
    empty = Request("PUT", "https://example.org:8443/")
    assert empty.headers["content-length"] == "0" and empty.headers["host"] == "example.org:8443"
    form = Request("POST", "http://example.org", data={"a": ["1", "2"], "b": True})
    assert form.content == b"a=1&a=2&b=true"


def test_request_streamed_body_must_be_read():
    def gen():
        yield b"ab"
        yield "cd"

    r = Request("POST", "http://example.org", content=gen())
    assert r.headers["transfer-encoding"] == "chunked"
    with pytest.raises(http.RequestNotRead):
        r.content
    assert r.read() == b"abcd"
    clone = pickle.loads(pickle.dumps(r))
    assert clone.content == b"abcd" and clone.headers["host"] == "example.org"


def test_multipart_exact_bytes():
    r = Request(
        "POST",
        "https://example.org/",
        headers={"Content-Type": "multipart/form-data; boundary=B"},
        data={"n": ["1", "2"]},
        files={"f": ("a.txt", io.BytesIO(b"<x>")), "g": (None, b"raw")},
    )
    assert r.read() == (
        b'--B\r\nContent-Disposition: form-data; name="n"\r\n\r\n1\r\n'
        b'--B\r\nContent-Disposition: form-data; name="n"\r\n\r\n2\r\n'
        b'--B\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n<x>\r\n'
        b'--B\r\nContent-Disposition: form-data; name="g"\r\n\r\nraw\r\n'
        b"--B--\r\n"
    )
    assert r.headers["content-length"] == str(len(r.content))


# -- Response(...) ---------------------------------------------------------------


def test_response_constructors():
    r = Response(200, text="héllo")
    assert r.headers == {"Content-Type": "text/plain; charset=utf-8", "Content-Length": "6"}
    assert (r.text, r.encoding, r.charset_encoding) == ("héllo", "utf-8", "utf-8")
    assert Response(200, html="<p>").headers["content-type"] == "text/html; charset=utf-8"
    plain = Response(200, content=b"caf\xe9", default_encoding="latin-1")
    assert plain.charset_encoding is None and plain.text == "café"
    packed = Response(200, content=gzip.compress(b"x" * 100), headers={"Content-Encoding": "gzip"})
    assert packed.content == b"x" * 100
    with pytest.raises(http.DecodingError):
        Response(200, content=b"not gzip", headers={"Content-Encoding": "gzip"})
    assert Response(200, content=b'\xff\xfe{\x00"\x00a\x00"\x00:\x001\x00}\x00').json() == {"a": 1}
    with pytest.raises(RuntimeError, match="request instance has not been set"):
        Response(500).raise_for_status()


def test_response_from_iterator_reads_once():
    def body():
        yield b"he"
        yield b"llo"

    r = Response(200, content=body())
    assert not r.is_closed
    assert list(r.iter_bytes(chunk_size=2)) == [b"he", b"ll", b"o"]
    assert r.content == b"hello"
    again = Response(200, content=body())
    assert list(again.iter_raw()) == [b"he", b"llo"]
    with pytest.raises(http.StreamConsumed):
        again.read()
    closed = Response(200, content=body())
    closed.close()
    with pytest.raises(http.StreamClosed):
        closed.read()


@pytest.mark.asyncio
async def test_response_from_async_iterator():
    async def body():
        yield b"a\nb"
        yield b"\r\nc"

    r = Response(200, content=body())
    assert [line async for line in r.aiter_lines()] == ["a", "b", "c"]
    with pytest.raises(RuntimeError, match="sync iterator on an async stream"):
        Response(200, content=body()).read()


def test_response_pickle_and_links():
    r = Response(200, content=b"x", headers={"Link": '<https://a/2>; rel="next"'})
    r.request = Request("GET", "https://a/1")
    clone = pickle.loads(pickle.dumps(r))
    assert clone.content == b"x" and clone.url == "https://a/1" and clone.request.url == "https://a/1"
    assert r.links == {"next": {"url": "https://a/2", "rel": "next"}}


# -- transports, redirects, auth ------------------------------------------------


def _redirecting(request: Request) -> Response:
    if request.url.path == "/start":
        return Response(303, headers={"Location": "/end?x=1"})
    return Response(
        200, json={"method": request.method, "url": str(request.url), "auth": request.headers.get("authorization")}
    )


def test_mock_transport_redirects_history_and_next_request():
    with http.Client(transport=http.MockTransport(_redirecting), follow_redirects=True) as client:
        r = client.post("https://example.org/start", content=b"body", auth=("u", "p"))
        assert r.json() == {"method": "GET", "url": "https://example.org/end?x=1", "auth": "Basic dTpw"}
        assert [h.status_code for h in r.history] == [303]
        assert r.url == "https://example.org/end?x=1"
    with http.Client(transport=http.MockTransport(_redirecting)) as client:
        r = client.get("https://example.org/start")
        assert r.status_code == 303 and r.next_request.url == "https://example.org/end?x=1"


def test_digest_auth_answers_the_challenge():
    seen: list[str] = []

    def server(request: Request) -> Response:
        header = request.headers.get("authorization")
        if header is None:
            challenge = 'Digest realm="r", nonce="abc", qop="auth", opaque="op", algorithm=SHA-256'
            return Response(401, headers={"WWW-Authenticate": challenge})
        seen.append(header)
        return Response(200)

    with http.Client(transport=http.MockTransport(server)) as client:
        r = client.get("https://example.org/p?q=1", auth=http.DigestAuth("user", "pw"))
    assert r.status_code == 200 and len(r.history) == 1
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', seen[0].removeprefix("Digest ")))
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    ha1, ha2 = h("user:r:pw"), h("GET:/p?q=1")
    assert fields["response"] == h(f"{ha1}:abc:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
    assert (fields["uri"], fields["opaque"], fields["nc"]) == ("/p?q=1", "op", "00000001")


def test_generator_auth_flow_sees_responses():
    class Repeat(http.Auth):
        def auth_flow(self, request: Request) -> Any:
            response = yield request
            request.headers["X-Seen"] = str(response.status_code)
            yield request

    def server(request: Request) -> Response:
        return Response(200, json={"seen": request.headers.get("x-seen")})

    with http.Client(transport=http.MockTransport(server)) as client:
        r = client.get("https://example.org/", auth=Repeat())
    assert r.json() == {"seen": "200"} and len(r.history) == 1


def test_wsgi_transport_calls_the_app_in_process():
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read()
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-Path", environ["PATH_INFO"])])
        return [environ["REQUEST_METHOD"].encode(), b" ", body, b" ", environ["QUERY_STRING"].encode()]

    with http.Client(transport=http.WSGITransport(app=app), base_url="http://testserver") as client:
        r = client.post("/a%20b", params={"k": "v"}, content=b"payload")
    assert (r.status_code, r.text, r.headers["x-path"]) == (201, "POST payload k=v", "/a b")


@pytest.mark.asyncio
async def test_asgi_transport_and_mounts():
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": scope["path"].encode() + b":" + message["body"]})

    def other(request: Request) -> Response:
        return Response(418)

    mounts = {"all://api.local": http.ASGITransport(app=app), "all://*.other": http.MockTransport(other)}
    async with http.AsyncClient(mounts=mounts) as client:
        r = await client.post("http://api.local/x", content=b"hi")
        assert (r.status_code, r.text) == (200, "/x:hi")
        assert (await client.get("https://a.b.other/")).status_code == 418


def test_module_level_functions(base):
    r = http.get(base + "/echo", params={"a": "1"}, headers={"X-T": "v"})
    assert r.status_code == 200 and r.json()["query"] == [["a", "1"]]
    assert http.post(base + "/echo", content=b"abc").json()["body"] == "abc"
    with http.stream("GET", base + "/json") as streamed:
        assert len(streamed.read()) > 100
    with pytest.raises(http.UnsupportedProtocol):
        http.get("invalid://example.org")


def test_streamed_request_body_reaches_the_server(base):
    def chunks():
        yield b"one,"
        yield b"two"

    with http.Client() as client:
        assert client.post(base + "/echo", content=chunks()).json()["body"] == "one,two"

        async def agen():
            yield b"x"

        with pytest.raises(RuntimeError, match="async request with a sync Client"):
            client.post(base + "/echo", content=agen())


def test_async_client_under_trio(base):
    trio = pytest.importorskip("trio")

    async def main() -> tuple[int, bytes, str]:
        async with http.AsyncClient() as client:
            r = await client.get(base + "/json")
            async with client.stream("GET", base + "/json") as streamed:
                body = await streamed.aread()
            return r.status_code, body, (await client.post(base + "/echo", content=b"t")).json()["body"]

    status, body, echoed = trio.run(main)
    assert status == 200 and len(body) > 100 and echoed == "t"


def test_url_errors_are_httpx_classes():
    with http.Client() as client:
        with pytest.raises(http.UnsupportedProtocol) as no_scheme:
            client.get("://example.org")
        assert isinstance(no_scheme.value, http.InvalidURL)
        with pytest.raises(http.LocalProtocolError):
            client.get("http://")


def test_cookies_collection_and_client_jar():
    from http.cookiejar import CookieJar

    cookies = http.Cookies({"a": "1"})
    cookies.set("b", "2", domain="example.org")
    cookies.set("b", "3", domain="example.com")
    assert dict(http.Cookies({"x": "y"})) == {"x": "y"} and len(cookies) == 3
    with pytest.raises(http.CookieConflict):
        cookies["b"]
    assert cookies.get("b", domain="example.com") == "3"
    cookies.clear(domain="example.com")
    assert cookies["b"] == "2"
    del cookies["a"]
    assert list(cookies) == ["b"] and isinstance(cookies.jar, CookieJar)

    def echo(request: Request) -> Response:
        return Response(200, json={"cookie": request.headers.get("cookie")})

    with http.Client(transport=http.MockTransport(echo)) as client:
        client.cookies = http.Cookies({"session": "s1"})
        assert client.get("http://example.org/").json() == {"cookie": "session=s1"}
        assert client.cookies.get("session") == "s1"


def test_redirect_history_is_chained_and_hooks_are_settable():
    def hops(request: Request) -> Response:
        left = int(request.url.params.get("n", "0"))
        if left:
            return Response(302, headers={"Location": f"/r?n={left - 1}"})
        return Response(200)

    seen: list[str] = []
    with http.Client(transport=http.MockTransport(hops), follow_redirects=True) as client:
        client.event_hooks = {"request": [lambda r: seen.append(str(r.url))]}
        assert client.event_hooks["response"] == []
        r = client.get("https://example.org/r?n=2")
    assert [len(h.history) for h in r.history] == [0, 1]
    assert seen == ["https://example.org/r?n=2", "https://example.org/r?n=1", "https://example.org/r?n=0"]
    with pytest.raises(InvalidArgumentError, match="unknown event hook"):
        client.event_hooks = {"sent": []}


def test_request_params_replace_the_query_and_multipart_escapes():
    assert Request("GET", "http://example.com?c=3", params={"a": "1"}).url == "http://example.com?a=1"

    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            return 0

    r = Request("POST", "https://example.org/", files={"f": ('a"\x1a\x1b.txt', Pipe())})
    assert r.headers["transfer-encoding"] == "chunked" and "content-length" not in r.headers
    assert b'filename="a%22%1A\x1b.txt"' in r.read()


@pytest.mark.asyncio
async def test_an_ouroboros_api_app_in_process():
    # Installed beside ouroboros-http in CI's `suites` run (every package in one venv).
    api = pytest.importorskip("ouroboros.api")
    from ouroboros.http import ASGITransport, HttpClient

    app = api.App()

    @app.get("/items/{item_id}")
    async def item(item_id: int, q: str = "none"):
        return {"item_id": item_id, "q": q}

    async with HttpClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        r = await client.get("/items/5", params={"q": "x"})
        assert (r.status_code, r.json()) == (200, {"item_id": 5, "q": "x"})
        bad = await client.get("/items/five")
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["path", "item_id"]
