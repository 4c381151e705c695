"""Building requests: methods, URLs, params, headers, cookies and bodies (async client)."""

from __future__ import annotations

import io
import pathlib

import pytest

from ouroboros.core import InvalidArgumentError, OuroborosError
from ouroboros.http import HttpClient, InvalidURL, UnsupportedProtocol

pytestmark = pytest.mark.asyncio


def header(echo: dict, name: str) -> list[str]:
    return [v for k, v in echo["headers"] if k == name.lower()]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_every_method_reaches_the_server(base, method):
    async with HttpClient() as c:
        r = await getattr(c, method.lower())(base + "/echo")
        assert r.status_code == 200
        assert r.json()["method"] == method
        assert r.request.method == method


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
async def test_an_empty_body_is_sent_with_content_length_zero(base, method):
    # Some servers answer 411 Length Required to a POST without a length.
    async with HttpClient() as c:
        direct = (await c.request(method, base + "/echo")).json()
        built = (await c.send(c.build_request(method, base + "/echo"))).json()
    for echo in (direct, built):
        assert header(echo, "content-length") == ["0"]
        assert header(echo, "transfer-encoding") == []


async def test_head_has_no_body(base):
    async with HttpClient() as c:
        r = await c.head(base + "/json")
        assert r.status_code == 200
        assert r.content == b""
        assert int(r.headers["content-length"]) > 900


async def test_generic_request_method_is_case_insensitive(base):
    async with HttpClient() as c:
        r = await c.request("post", base + "/echo", content=b"x")
        assert r.json()["method"] == "POST"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"a": "1", "b": "two"}, [["a", "1"], ["b", "two"]]),
        ({"n": 3, "f": 1.5, "t": True, "z": None}, [["n", "3"], ["f", "1.5"], ["t", "true"], ["z", ""]]),
        ({"tag": ["x", "y"]}, [["tag", "x"], ["tag", "y"]]),
        ([("k", "v1"), ("k", "v2")], [["k", "v1"], ["k", "v2"]]),
        ("q=hello+world&x=1", [["q", "hello world"], ["x", "1"]]),
        ({"sp ace": "a&b=c"}, [["sp ace", "a&b=c"]]),
        ({"é": "ü"}, [["é", "ü"]]),
    ],
)
async def test_params_are_encoded(base, params, expected):
    async with HttpClient() as c:
        r = await c.get(base + "/echo", params=params)
        assert r.json()["query"] == expected


async def test_params_append_to_an_existing_query(base):
    async with HttpClient(params={"client": "1"}) as c:
        r = await c.get(base + "/echo?a=0", params={"b": "2"})
        assert r.json()["query"] == [["a", "0"], ["client", "1"], ["b", "2"]]


async def test_bad_param_value_is_a_typed_error(base):
    async with HttpClient() as c:
        with pytest.raises(InvalidArgumentError, match="query parameter values") as exc:
            c.get(base + "/echo", params={"a": object()})
        assert isinstance(exc.value, ValueError)


async def test_headers_default_and_per_request(base):
    async with HttpClient(headers={"X-Client": "c", "X-Both": "client"}) as c:
        r = await c.get(base + "/echo", headers={"X-Req": "r", "x-both": "request"})
        echo = r.json()
        assert header(echo, "x-client") == ["c"]
        assert header(echo, "x-req") == ["r"]
        assert header(echo, "x-both") == ["request"]
        assert header(echo, "user-agent")[0].startswith("ouroboros-http/")


async def test_headers_as_pairs_keep_repeats(base):
    async with HttpClient() as c:
        r = await c.get(base + "/echo", headers=[("X-Rep", "1"), ("X-Rep", "2")])
        assert header(r.json(), "x-rep") == ["1", "2"]


async def test_client_headers_are_editable(base):
    async with HttpClient() as c:
        c.headers["X-Later"] = "yes"
        r = await c.get(base + "/echo")
        assert header(r.json(), "x-later") == ["yes"]
        c.headers = {"X-Only": "1"}
        r = await c.get(base + "/echo")
        assert header(r.json(), "x-later") == []
        assert header(r.json(), "x-only") == ["1"]


@pytest.mark.parametrize("bad", [{"bad name": "x"}, {"x": "line\nbreak"}])
async def test_invalid_headers_are_rejected_before_sending(base, bad):
    async with HttpClient() as c:
        with pytest.raises(InvalidArgumentError, match="header"):
            c.get(base + "/echo", headers=bad)


async def test_user_agent_can_be_set(base):
    async with HttpClient(user_agent="my-agent/1") as c:
        r = await c.get(base + "/echo")
        assert header(r.json(), "user-agent") == ["my-agent/1"]


async def test_json_body(base):
    payload = {"name": "Alice", "n": 1, "f": 2.5, "ok": True, "none": None, "list": [1, "a"], "nested": {"k": []}}
    async with HttpClient() as c:
        r = await c.post(base + "/echo", json=payload)
        echo = r.json()
        import json

        assert json.loads(echo["body"]) == payload
        assert header(echo, "content-type") == ["application/json"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": {1, 2}}, r"\$\.a of type set"),
        ({"a": [1, float("nan")]}, r"\$\.a\[1\] is NaN"),
        ({(1, 2): 1}, "has a key of type tuple"),
    ],
)
async def test_unserializable_json_names_the_path(base, value, message):
    async with HttpClient() as c:
        with pytest.raises(InvalidArgumentError, match=message) as exc:
            c.post(base + "/echo", json=value)
        assert isinstance(exc.value, OuroborosError)


async def test_json_big_ints_and_unicode(base):
    async with HttpClient() as c:
        r = await c.post(base + "/echo", json={"big": 2**70, "s": 'snow ☃ "q"\n'})
        import json

        assert json.loads(r.json()["body"].encode("latin-1")) == {"big": 2**70, "s": 'snow ☃ "q"\n'}


async def test_form_data(base):
    async with HttpClient() as c:
        r = await c.post(base + "/echo", data={"a": "1", "b": ["x", "y"], "c": "é &"})
        echo = r.json()
        assert echo["body"] == "a=1&b=x&b=y&c=%C3%A9+%26"
        assert header(echo, "content-type") == ["application/x-www-form-urlencoded"]


@pytest.mark.parametrize("content", [b"raw bytes", bytearray(b"raw bytes"), "raw bytes", memoryview(b"raw bytes")])
async def test_content_body(base, content):
    async with HttpClient() as c:
        r = await c.put(base + "/echo", content=content)
        assert r.json()["body"] == "raw bytes"
        assert header(r.json(), "content-length") == ["9"]


async def test_only_one_body_kind(base):
    async with HttpClient() as c:
        with pytest.raises(InvalidArgumentError, match="at most one"):
            c.post(base + "/echo", json={}, content=b"x")


async def test_multipart_from_bytes_paths_and_files(base, tmp_path: pathlib.Path):
    p = tmp_path / "report.csv"
    p.write_bytes(b"a,b\n1,2\n")
    async with HttpClient() as c:
        r = await c.post(
            base + "/multipart",
            data={"title": "hello"},
            files={
                "raw": b"bytes-data",
                "path": p,
                "fileobj": io.BytesIO(b"file-object-data"),
                "tupled": ("custom.txt", b"tuple-data", "text/plain"),
            },
        )
        parts = {part["name"]: part for part in r.json()["parts"]}
        assert parts["title"]["data"] == "hello"
        assert parts["title"]["filename"] is None
        assert parts["raw"]["data"] == "bytes-data"
        assert parts["path"]["filename"] == "report.csv"
        assert parts["path"]["data"] == "a,b\n1,2\n"
        assert parts["fileobj"]["data"] == "file-object-data"
        assert parts["tupled"]["filename"] == "custom.txt"
        assert parts["tupled"]["type"] == "text/plain"


async def test_multipart_missing_file_is_a_typed_error(base, tmp_path):
    async with HttpClient() as c:
        with pytest.raises(InvalidArgumentError, match="cannot read"):
            await c.post(base + "/multipart", files={"f": tmp_path / "missing.bin"})


async def test_base_url_joins_paths(base):
    async with HttpClient(base_url=base + "/") as c:
        assert c.base_url == base + "/"
        r = await c.get("/echo", params={"x": "1"})
        assert r.url == base + "/echo?x=1"
        r = await c.get("echo")
        assert r.json()["path"] == "/echo"


async def test_base_url_with_a_path_prefix(base):
    async with HttpClient(base_url=base + "/status") as c:
        r = await c.get("/201")
        assert r.status_code == 201


async def test_absolute_url_ignores_base_url(base):
    async with HttpClient(base_url="http://127.0.0.1:9/unused") as c:
        r = await c.get(base + "/json")
        assert r.status_code == 200


@pytest.mark.parametrize("url", ["http://", "http://exa mple.com/", "::::", "http://[::1/"])
async def test_invalid_urls(url):
    async with HttpClient() as c:
        with pytest.raises(InvalidURL) as exc:
            c.get(url)
        assert isinstance(exc.value, ValueError)
        assert exc.value.url is not None


async def test_relative_url_without_base_url():
    async with HttpClient() as c:
        with pytest.raises(InvalidURL, match="base_url"):
            c.get("/users")


@pytest.mark.parametrize("url", ["ftp://example.com/file", "file:///etc/passwd", "ws://127.0.0.1/"])
async def test_unsupported_schemes(url):
    async with HttpClient() as c:
        with pytest.raises(UnsupportedProtocol, match="unsupported protocol") as exc:
            c.get(url)
        assert exc.value.url == url


async def test_invalid_base_url():
    with pytest.raises(InvalidURL):
        HttpClient(base_url="ftp://x/")


async def test_invalid_method(base):
    async with HttpClient() as c:
        with pytest.raises(InvalidArgumentError, match="invalid HTTP method"):
            c.request("GE T", base + "/echo")


async def test_build_request_shows_what_would_be_sent(base):
    async with HttpClient(base_url=base, headers={"X-A": "1"}, params={"p": "1"}) as c:
        req = c.build_request("post", "/echo", params={"q": "2"}, json={"a": 1}, headers={"X-B": "2"})
        assert req.method == "POST"
        assert req.url == base + "/echo?p=1&q=2"
        assert req.headers["x-a"] == "1"
        assert req.headers["X-B"] == "2"
        assert req.headers["content-type"] == "application/json"
        assert req.json() == {"a": 1}
