"""Redirects: off by default, history, method rules, limits, credentials across origins."""

from __future__ import annotations

import json

import pytest

from ouroboros.http import HttpClient, TooManyRedirects, UnsupportedProtocol

pytestmark = pytest.mark.asyncio


async def test_not_followed_by_default(base):
    async with HttpClient() as c:
        r = await c.get(base + "/redirect/2")
        assert r.status_code == 302
        assert r.is_redirect
        assert r.headers["location"] == "/redirect/1"
        assert r.history == []


@pytest.mark.parametrize("where", ["client", "request"])
async def test_followed_with_history(base, where):
    async with HttpClient(follow_redirects=where == "client") as c:
        kwargs = {"follow_redirects": True} if where == "request" else {}
        r = await c.get(base + "/redirect/3", **kwargs)
        assert r.status_code == 200
        assert r.url == base + "/echo"
        assert [h.status_code for h in r.history] == [302, 302, 302]
        assert [h.url for h in r.history] == [base + "/redirect/3", base + "/redirect/2", base + "/redirect/1"]
        assert r.history[0].headers["location"] == "/redirect/2"


async def test_request_can_turn_following_off(base):
    async with HttpClient(follow_redirects=True) as c:
        r = await c.get(base + "/redirect/1", follow_redirects=False)
        assert r.status_code == 302


@pytest.mark.parametrize(
    ("status", "method", "expected_method", "body_kept"),
    [
        (301, "POST", "GET", False),
        (301, "PUT", "PUT", True),
        (302, "POST", "GET", False),
        (303, "POST", "GET", False),
        (303, "PUT", "GET", False),
        (307, "POST", "POST", True),
        (308, "POST", "POST", True),
        (308, "PATCH", "PATCH", True),
    ],
)
async def test_method_and_body_rules(base, status, method, expected_method, body_kept):
    async with HttpClient(follow_redirects=True) as c:
        r = await c.request(
            method, base + "/redirect-to", params={"url": "/echo", "status": str(status)}, json={"k": "v"}
        )
        echo = r.json()
        assert echo["method"] == expected_method
        assert (json.loads(echo["body"]) if echo["body"] else None) == ({"k": "v"} if body_kept else None)
        ctypes = [v for k, v in echo["headers"] if k == "content-type"]
        assert ctypes == (["application/json"] if body_kept else [])
        assert r.history[0].status_code == status


async def test_redirect_loop_raises_too_many_redirects(base):
    async with HttpClient(follow_redirects=True, max_redirects=4) as c:
        with pytest.raises(TooManyRedirects, match="maximum of 4 redirects") as exc:
            await c.get(base + "/loop")
        assert exc.value.url == base + "/loop"
        assert exc.value.method == "GET"


async def test_default_limit_is_twenty(base):
    async with HttpClient(follow_redirects=True) as c:
        with pytest.raises(TooManyRedirects, match="maximum of 20"):
            await c.get(base + "/loop")
        r = await c.get(base + "/redirect/20")
        assert len(r.history) == 20


async def test_absolute_redirect_to_another_origin_drops_credentials(base, server2):
    async with HttpClient(follow_redirects=True, auth=("user", "pw")) as c:
        r = await c.get(base + "/redirect-to", params={"url": server2.url + "/echo"}, headers={"X-Keep": "1"})
        echo = r.json()
        names = [k for k, _ in echo["headers"]]
        assert "authorization" not in names
        assert "x-keep" in names
        assert r.url == server2.url + "/echo"


async def test_same_origin_redirect_keeps_credentials(base):
    async with HttpClient(follow_redirects=True, auth=("user", "pw")) as c:
        r = await c.get(base + "/redirect-to", params={"url": "/echo"})
        assert [v for k, v in r.json()["headers"] if k == "authorization"] == ["Basic dXNlcjpwdw=="]


async def test_redirect_to_an_unsupported_scheme(base):
    async with HttpClient(follow_redirects=True) as c:
        with pytest.raises(UnsupportedProtocol, match="ftp") as exc:
            await c.get(base + "/redirect-to", params={"url": "ftp://example.com/file"})
        assert exc.value.url.startswith(base + "/redirect-to")


async def test_redirect_bodies_are_kept_in_history(base):
    async with HttpClient(follow_redirects=True) as c:
        r = await c.get(base + "/redirect-to", params={"url": "/json"})
        assert r.history[0].content == b"redirecting"
        assert r.history[0].text == "redirecting"
