"""Proxies (argument and environment), the cookie jar, and content decoding."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from proxy_server import ForwardProxy

from ouroboros.core import InvalidArgumentError
from ouroboros.http import CookieConflict, HttpClient, ProxyError, TransportError

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def proxy() -> Iterator[ForwardProxy]:
    p = ForwardProxy().start()
    yield p
    p.stop()


def _via(echo: dict) -> list[str]:
    return [v for k, v in echo["headers"] if k == "x-via-proxy"]


async def test_proxy_argument(proxy, base):
    async with HttpClient(proxy=proxy.url) as c:
        r = await c.get(base + "/echo", params={"a": "1"})
        assert _via(r.json()) == ["yes"]
        assert f"GET {base}/echo?a=1" in proxy.seen


async def test_proxy_from_environment(proxy, base, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("http_proxy", raising=False)
    async with HttpClient() as c:
        assert _via((await c.get(base + "/echo")).json()) == ["yes"]
    async with HttpClient(trust_env=False) as c:
        assert _via((await c.get(base + "/echo")).json()) == []


async def test_unreachable_proxy(closed_port, base):
    async with HttpClient(proxy=closed_port) as c:
        with pytest.raises(TransportError) as exc:
            await c.get(base + "/echo")
        assert isinstance(exc.value, ProxyError) or "connect" in str(exc.value)
        assert exc.value.url == base + "/echo"


async def test_invalid_proxy_url():
    with pytest.raises(InvalidArgumentError, match="proxy"):
        HttpClient(proxy="::bad::")


async def test_server_cookies_are_kept_and_sent_back(base):
    async with HttpClient() as c:
        await c.get(base + "/set-cookie", params={"session": "abc", "theme": "dark"})
        assert c.cookies["session"] == "abc"
        assert sorted(c.cookies.keys()) == ["session", "theme"]
        kept = [(k.name, k.value, k.domain, k.path) for k in c.cookies.jar]
        assert ("session", "abc", "127.0.0.1", "/") in kept
        echo = (await c.get(base + "/echo")).json()
        cookie = next(v for k, v in echo["headers"] if k == "cookie")
        assert "session=abc" in cookie and "theme=dark" in cookie


async def test_initial_and_per_request_cookies(base):
    async with HttpClient(cookies={"a": "1"}) as c:
        echo = (await c.get(base + "/echo", cookies={"b": "2"})).json()
        assert [v for k, v in echo["headers"] if k == "cookie"] == ["a=1; b=2"]
        echo = (await c.get(base + "/echo")).json()
        assert [v for k, v in echo["headers"] if k == "cookie"] == ["a=1"]


async def test_cookie_jar_editing(base):
    async with HttpClient() as c:
        jar = c.cookies
        jar.set("x", "1")
        jar["y"] = "2"
        jar.set("z", "3", domain="example.test")
        assert len(jar) == 3 and "y" in jar
        assert jar.get("z", domain="example.test") == "3"
        assert jar.get("missing", "dflt") == "dflt"
        del jar["y"]
        assert "y" not in jar
        with pytest.raises(KeyError):
            del jar["y"]
        echo = (await c.get(base + "/echo")).json()
        assert [v for k, v in echo["headers"] if k == "cookie"] == ["x=1"]
        jar.clear()
        assert len(jar) == 0
        with pytest.raises(InvalidArgumentError, match="cookie name"):
            jar.set("bad name", "v")


async def test_cookie_conflict(base):
    async with HttpClient() as c:
        c.cookies.set("dup", "1", domain="a.test")
        c.cookies.set("dup", "2", domain="b.test")
        with pytest.raises(CookieConflict, match="2 cookies"):
            c.cookies["dup"]
        assert c.cookies.get("dup", domain="b.test") == "2"


async def test_cookies_can_be_turned_off(base):
    async with HttpClient(store_cookies=False) as c:
        assert c.cookies is None
        await c.get(base + "/set-cookie", params={"s": "1"})
        echo = (await c.get(base + "/echo")).json()
        assert [v for k, v in echo["headers"] if k == "cookie"] == []


@pytest.mark.parametrize("enc", ["gzip", "deflate", "br", "zstd", "zstd-frames"])
async def test_bodies_are_decompressed(base, enc):
    async with HttpClient() as c:
        r = await c.get(base + "/encoded", params={"enc": enc})
        body = r.json()
        assert body["compressed"] is True
        assert len(body["pad"]) == 2000


async def test_accept_encoding_is_advertised(base):
    async with HttpClient() as c:
        echo = (await c.get(base + "/echo")).json()
        accepted = next(v for k, v in echo["headers"] if k == "accept-encoding")
        for enc in ("gzip", "br", "zstd", "deflate"):
            assert enc in accepted


async def test_decompression_can_be_turned_off(base):
    import gzip

    async with HttpClient(decompress=False) as c:
        r = await c.get(base + "/encoded", params={"enc": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        assert gzip.decompress(r.content).startswith(b'{"compressed": true')
