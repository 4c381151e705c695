"""Out-of-range durations raise a ValueError naming the argument, never a Rust panic."""

import math

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.http import AsyncClient, Client, Limits, Retry, Timeout

HUGE = [1e300, math.inf, math.nan, -1.0, 1e10]


@pytest.mark.parametrize("value", HUGE)
def test_client_timeout(value):
    with pytest.raises(ValueError, match="timeout") as info:
        Client(timeout=value)
    assert isinstance(info.value, InvalidArgumentError)


@pytest.mark.parametrize("value", HUGE)
def test_async_client_timeout(value):
    with pytest.raises(ValueError, match="timeout"):
        AsyncClient(timeout=value)


@pytest.mark.parametrize("field", ["connect", "read", "write", "pool"])
def test_timeout_phases(field):
    with pytest.raises(ValueError, match=field):
        Timeout(5.0, **{field: 1e300})


@pytest.mark.parametrize("value", HUGE)
def test_limits_keepalive_expiry(value):
    with pytest.raises(ValueError, match="keepalive_expiry"):
        Limits(keepalive_expiry=value)


@pytest.mark.parametrize("value", HUGE)
def test_retry_backoff_factor(value):
    with pytest.raises(ValueError, match="backoff_factor"):
        Retry(backoff_factor=value)


@pytest.mark.parametrize("value", [1e300, math.inf, -5.0])
def test_per_request_timeout(value):
    with Client() as client, pytest.raises(ValueError, match="timeout"):
        client.get("http://127.0.0.1:9/", timeout=value)


def test_largest_accepted_duration_works():
    # 1e9 s (about 31 years) is accepted and does not overflow a deadline.
    with Client(timeout=1e9) as client:
        assert client is not None
    assert Retry(backoff_factor=1e9).backoff_factor == 1e9
