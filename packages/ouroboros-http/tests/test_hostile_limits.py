"""Limits a hostile server cannot break: body size (compressed bombs and endless bodies),
cookie floods and impossible status lines, against real misbehaving loopback servers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.http import Client, HttpClient, RemoteProtocolError, ResponseTooLarge

MiB = 1 << 20


def test_gzip_bomb_stops_at_max_response_size(bomb_server):
    with (
        Client(max_response_size=8 * MiB, timeout=30) as client,
        pytest.raises(ResponseTooLarge, match="max_response_size=8388608") as exc,
    ):
        client.get(bomb_server.url + "/bomb")
    assert exc.value.url == bomb_server.url + "/bomb"
    assert bomb_server.url in str(exc.value)


@pytest.mark.asyncio
async def test_endless_body_stops_when_streamed(endless_server):
    seen = 0

    async def read_all(response) -> None:
        nonlocal seen
        async for chunk in response.aiter_bytes():
            seen += len(chunk)

    async with (
        HttpClient(max_response_size=4 * MiB, timeout=30) as client,
        client.stream("GET", endless_server.url + "/endless") as response,
    ):
        with pytest.raises(ResponseTooLarge) as exc:
            await read_all(response)
    assert 3 * MiB < seen <= 4 * MiB
    assert exc.value.method == "GET" and exc.value.url == endless_server.url + "/endless"


def test_endless_body_stops_when_read_whole(endless_server):
    with Client(max_response_size=2 * MiB, timeout=30) as client, pytest.raises(ResponseTooLarge):
        client.get(endless_server.url + "/")


def _peak_rss_mib(url: str, cap: int) -> dict:
    """Peak RSS of a fresh interpreter that fetches ``url`` with the cap."""
    code = textwrap.dedent(
        f"""
        import json
        from ouroboros.http import Client, ResponseTooLarge
        with Client(max_response_size={cap}, timeout=60) as client:
            try:
                client.get({url!r})
                outcome = "read"
            except ResponseTooLarge:
                outcome = "too large"
        # VmHWM: this process's peak RSS since exec (ru_maxrss would carry the forking parent's).
        with open("/proc/self/status") as status:
            hwm_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        print(json.dumps({{"outcome": outcome, "peak_mib": hwm_kib / 1024}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_peak_memory_stays_near_the_cap(bomb_server, endless_server):
    # 512 MiB inflate from the bomb and the endless body never ends; with a 16 MiB cap the
    # client process peaks well below either (interpreter + library: about 26 MiB; measured
    # about 45 MiB in all on the development machine).
    for url in (bomb_server.url + "/", endless_server.url + "/"):
        result = _peak_rss_mib(url, 16 * MiB)
        assert result["outcome"] == "too large", url
        assert result["peak_mib"] < 100, result


def test_status_outside_100_599_is_a_protocol_error(status700_server):
    with (
        Client() as client,
        pytest.raises(RemoteProtocolError, match="status 700, outside the valid range 100-599") as exc,
    ):
        client.get(status700_server.url + "/x")
    assert exc.value.url == status700_server.url + "/x"


def test_status_below_100_is_a_protocol_error(status99_server):
    with Client() as client, pytest.raises(RemoteProtocolError, match="malformed response") as exc:
        client.get(status99_server.url + "/x")
    assert exc.value.url == status99_server.url + "/x"


def test_cookie_flood_is_capped(cookie_flood_server):
    with Client(max_cookies=10, max_cookie_size=4096) as client:
        assert client.get(cookie_flood_server.url + "/").text == "ok"
        names = [cookie.name for cookie in client.cookies.jar]
    assert set(names) == {f"c{i}" for i in range(10)}


def test_cookie_defaults_match_httpx(cookie_flood_server):
    # Without caps the jar keeps what httpx keeps: every cookie, the 100 KB one too.
    with Client() as client:
        client.get(cookie_flood_server.url + "/")
        assert len(client.cookies.get("big")) == 100_000
        assert len(client.cookies.jar) == 51


@pytest.mark.parametrize(
    ("name", "value"),
    [("max_response_size", 0), ("max_response_size", -5), ("max_cookies", 1.5), ("max_cookie_size", True)],
)
def test_caps_must_be_positive_ints(name, value):
    with pytest.raises(InvalidArgumentError, match=name):
        Client(**{name: value})
