"""The Response API: status, headers multi-dict, body decoders, raise_for_status."""

from __future__ import annotations

import datetime

import pytest

from ouroboros.core import OuroborosError
from ouroboros.http import DecodingError, Headers, HttpClient, HTTPStatusError, Request, Response

pytestmark = pytest.mark.asyncio


async def test_basic_fields(base):
    async with HttpClient() as c:
        r = await c.get(base + "/json")
        assert r.status_code == 200
        assert r.reason_phrase == "OK"
        assert r.http_version == "HTTP/1.1"
        assert r.url == base + "/json"
        assert r.is_success and not r.is_error and not r.is_redirect
        assert isinstance(r.elapsed, datetime.timedelta)
        assert r.elapsed.total_seconds() > 0
        assert r.history == []
        assert repr(r) == "<Response [200 OK]>"
        body = r.json()
        assert body["name"] == "ouroboros"
        assert len(body["items"]) == 22
        assert r.content.startswith(b'{"id": 1')
        assert r.text == r.content.decode()


async def test_headers_are_case_insensitive_multi_dict(base):
    async with HttpClient() as c:
        r = await c.get(base + "/headers-multi")
        h = r.headers
        assert h["X-MULTI"] == "a, b"
        assert h.get_list("x-multi") == ["a", "b"]
        assert h["x-case"] == "Keep"
        assert "X-Case" in h and "nope" not in h
        assert h.get("missing") is None
        assert h.get("missing", "d") == "d"
        assert ("x-multi", "a") in h.multi_items() and ("x-multi", "b") in h.multi_items()
        assert dict(h.items())["x-multi"] == "a, b"
        assert "content-length" in h.keys()  # noqa: SIM118 - keys() is part of the API under test
        with pytest.raises(KeyError):
            h["missing"]


async def test_headers_object_editing():
    h = Headers({"A": "1"})
    h["b"] = "2"
    h.add("b", "3")
    assert len(h) == 2
    assert h.get_list("B") == ["2", "3"]
    del h["a"]
    assert "a" not in h
    with pytest.raises(KeyError):
        del h["a"]
    assert h.pop("b") == "2, 3"
    assert h.pop("b", "gone") == "gone"
    assert h.setdefault("c", "4") == "4"
    assert h.setdefault("c", "5") == "4"
    copy = h.copy()
    copy["d"] = "x"
    assert "d" not in h
    assert h == {"c": "4"}
    assert list(h) == ["c"]
    assert h.to_dict() == {"c": "4"}
    assert repr(h) == "Headers({'c': '4'})"


@pytest.mark.parametrize(
    ("code", "phrase", "kind"),
    [
        (201, "Created", None),
        (204, "No Content", None),
        (301, "Moved Permanently", "Redirect response"),
        (404, "Not Found", "Client error"),
        (418, "I'm a teapot", "Client error"),
        (500, "Internal Server Error", "Server error"),
        (503, "Service Unavailable", "Server error"),
    ],
)
async def test_raise_for_status(base, code, phrase, kind):
    async with HttpClient() as c:
        r = await c.get(base + f"/status/{code}")
        assert r.status_code == code
        assert r.reason_phrase == phrase
        if kind is None:
            assert r.raise_for_status() is r
            return
        with pytest.raises(HTTPStatusError) as exc:
            r.raise_for_status()
        err = exc.value
        assert str(err).splitlines()[0] == f"{kind} '{code} {phrase}' for url '{base}/status/{code}'"
        assert err.response is r
        assert err.url == f"{base}/status/{code}"
        assert err.request.method == "GET"
        assert isinstance(err, OuroborosError)


@pytest.mark.parametrize(
    ("code", "flags"),
    [
        (200, {"is_success"}),
        (302, {"is_redirect"}),
        (404, {"is_error", "is_client_error"}),
        (502, {"is_error", "is_server_error"}),
    ],
)
async def test_status_flags(base, code, flags):
    async with HttpClient() as c:
        r = await c.get(base + f"/status/{code}", params={"location": "/x"} if code == 302 else None)
        for flag in ("is_success", "is_redirect", "is_error", "is_client_error", "is_server_error", "is_informational"):
            assert getattr(r, flag) is (flag in flags), flag


async def test_text_uses_the_declared_charset(base):
    async with HttpClient() as c:
        r = await c.get(base + "/latin1")
        assert r.encoding == "iso-8859-1"
        assert r.text == "café"
        with pytest.raises(ValueError, match="after `text` has been accessed"):
            r.encoding = "utf-8"
        r = await c.get(base + "/latin1")
        r.encoding = "utf-8"
        assert "caf" in r.text
        r = await c.get(base + "/text")
        assert r.text == "héllo wörld"


async def test_invalid_json_is_a_decoding_error(base):
    async with HttpClient() as c:
        r = await c.get(base + "/bad-json")
        with pytest.raises(DecodingError, match="not valid JSON") as exc:
            r.json()
        assert isinstance(exc.value, ValueError)
        assert str(exc.value).startswith(f"GET {base}/bad-json:")
        assert "line 1 column" in str(exc.value)


async def test_response_can_be_built_by_hand():
    r = Response(201, json={"a": [1, 2]}, headers={"X-Id": "7"}, url="http://h/x")
    assert r.status_code == 201
    assert r.json() == {"a": [1, 2]}
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-id"] == "7"
    t = Response(200, text="hé")
    assert t.content == "hé".encode()
    assert t.text == "hé"
    b = Response(404, content=b"nope")
    assert b.content == b"nope"
    with pytest.raises(RuntimeError, match="request instance has not been set"):
        b.raise_for_status()
    b.request = Request("GET", "http://h/y")
    with pytest.raises(HTTPStatusError, match="for url 'http://h/y'"):
        b.raise_for_status()


async def test_json_with_a_model_class(base):
    class Model:
        def __init__(self, **kw):
            self.__dict__.update(kw)

        @classmethod
        def model_validate(cls, data):
            return cls(**data)

    class JsonModel(Model):
        seen: bytes = b""

        @classmethod
        def model_validate_json(cls, raw):
            JsonModel.seen = raw
            import json

            return cls(**json.loads(raw))

    async with HttpClient() as c:
        r = await c.get(base + "/json")
        m = r.json(model=Model)
        assert m.name == "ouroboros" and len(m.items) == 22
        jm = r.json(model=JsonModel)
        assert jm.id == 1
        assert JsonModel.seen == r.content


async def test_json_into_an_ouroboros_validation_model(base):
    validation = pytest.importorskip("ouroboros.validation")
    if not hasattr(validation, "BaseModel"):
        pytest.skip("ouroboros.validation has no BaseModel yet")

    class Item(validation.BaseModel):
        n: int
        label: str
        ok: bool

    class Doc(validation.BaseModel):
        id: int
        name: str
        items: list[Item]

    async with HttpClient() as c:
        r = await c.get(base + "/json")
        doc = r.json(model=Doc)
        assert doc.name == "ouroboros"
        assert doc.items[3].label == "item-3"


async def test_response_url_has_parts(base):
    async with HttpClient() as c:
        r = await c.get(base + "/echo", params={"q": "1"})
        assert r.url == base + "/echo?q=1"
        assert r.url.path == "/echo"
        assert r.url.host == "127.0.0.1"
        assert dict(r.url.params) == {"q": "1"}
        assert r.request.url.path == "/echo"


async def test_response_cookies(base):
    async with HttpClient() as c:
        r = await c.get(base + "/set-cookie", params={"sid": "abc", "theme": "dark"})
        assert r.cookies == {"sid": "abc", "theme": "dark"}
        assert (await c.get(base + "/json")).cookies == {}
