"""Retries: statuses, idempotent methods, Retry-After, connection errors, validation."""

from __future__ import annotations

import uuid

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.http import ConnectError, HttpClient, Retry

pytestmark = pytest.mark.asyncio

FAST = {"backoff_factor": 0.001, "jitter": 0.0}


def key() -> str:
    return uuid.uuid4().hex


async def test_no_retries_by_default(base):
    async with HttpClient() as c:
        r = await c.get(base + "/flaky", params={"key": key(), "fails": "1"})
        assert r.status_code == 503


async def test_retries_until_success(base):
    async with HttpClient(retries=Retry(retries=3, **FAST)) as c:
        r = await c.get(base + "/flaky", params={"key": key(), "fails": "2"})
        assert r.status_code == 200
        assert r.json() == {"attempt": 3}


async def test_retries_give_up_and_return_the_last_response(base):
    async with HttpClient(retries=Retry(retries=2, **FAST)) as c:
        r = await c.get(base + "/flaky", params={"key": key(), "fails": "5"})
        assert r.status_code == 503
        assert r.json() == {"attempt": 3}


async def test_post_is_not_retried_on_a_status(base):
    k = key()
    async with HttpClient(retries=Retry(retries=3, **FAST)) as c:
        r = await c.post(base + "/flaky", params={"key": k, "fails": "1"}, json={})
        assert r.status_code == 503
        assert (await c.get(base + "/count", params={"key": k})).json() == {"count": 1}


async def test_methods_can_be_widened(base):
    async with HttpClient(retries=Retry(retries=2, methods=frozenset({"POST"}), **FAST)) as c:
        r = await c.post(base + "/flaky", params={"key": key(), "fails": "1"}, json={})
        assert r.status_code == 200


async def test_status_codes_are_configurable(base):
    async with HttpClient(retries=Retry(retries=2, status_codes=frozenset({500}), **FAST)) as c:
        r = await c.get(base + "/flaky", params={"key": key(), "fails": "1", "status": "500"})
        assert r.status_code == 200
        r = await c.get(base + "/flaky", params={"key": key(), "fails": "1", "status": "503"})
        assert r.status_code == 503


async def test_retry_after_is_honoured(base):
    async with HttpClient(retries=Retry(retries=1, backoff_factor=30, jitter=0.0)) as c:
        # A 30 s backoff would hit the test timeout; Retry-After: 0 wins.
        r = await c.get(base + "/flaky", params={"key": key(), "fails": "1", "retry_after": "0", "status": "429"})
        assert r.status_code == 200


async def test_int_retries_shorthand(base):
    async with HttpClient(retries=2) as c:
        r = await c.get(base + "/flaky", params={"key": key(), "fails": "1", "retry_after": "0"})
        assert r.status_code == 200


async def test_connection_errors_are_retried_then_reported(closed_port):
    async with HttpClient(retries=Retry(retries=2, **FAST)) as c:
        with pytest.raises(ConnectError, match="after 2 retries") as exc:
            await c.post(closed_port + "/x", json={})
        assert exc.value.url == closed_port + "/x"


@pytest.mark.parametrize(
    "kwargs",
    [{"retries": -1}, {"retries": True}, {"jitter": 2.0}, {"backoff_factor": -1}, {"max_backoff": -0.5}],
)
async def test_invalid_retry_settings(kwargs):
    with pytest.raises(InvalidArgumentError):
        Retry(**kwargs)


async def test_invalid_retries_argument():
    with pytest.raises(InvalidArgumentError, match="retries="):
        HttpClient(retries="3")
