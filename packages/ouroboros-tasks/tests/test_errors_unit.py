"""Broker-independent checks: URLs, cron, rates, options."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ouroboros.core import InvalidArgumentError, OuroborosError
from ouroboros.tasks import App, Broker, BrokerError, Cron
from ouroboros.tasks.task import eta_ms, parse_rate


def test_unknown_scheme() -> None:
    with pytest.raises(InvalidArgumentError, match="unknown broker scheme"):
        Broker("amqp://localhost")


def test_unreachable_redis_is_broker_error() -> None:
    with pytest.raises(BrokerError, match=r"redis broker: connect to redis://127\.0\.0\.1:1") as info:
        Broker("redis://127.0.0.1:1/0")
    assert isinstance(info.value, ConnectionError)
    assert isinstance(info.value, OuroborosError)


def test_unreachable_nats_is_broker_error() -> None:
    with pytest.raises(BrokerError, match=r"nats broker: connect to nats://127\.0\.0\.1:1"):
        Broker("nats://127.0.0.1:1")


@pytest.mark.parametrize("prefix", ["", "a b", "a.b", "x" * 65])
def test_bad_prefix(tmp_path, prefix: str) -> None:
    with pytest.raises(InvalidArgumentError, match="prefix"):
        Broker(f"local://{tmp_path}/b.redb", prefix=prefix)


def test_ack_wait_too_short(tmp_path) -> None:
    with pytest.raises(InvalidArgumentError, match="ack_wait"):
        Broker(f"local://{tmp_path}/b.redb", ack_wait=0.01)


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_bad_durations(tmp_path, value: float) -> None:
    with pytest.raises(InvalidArgumentError, match="ack_wait"):
        Broker(f"local://{tmp_path}/b.redb", ack_wait=value)


def test_bare_path_is_local(tmp_path) -> None:
    b = Broker(str(tmp_path / "x.redb"))
    assert b.kind == "local"
    assert (tmp_path / "x.redb").exists()


T0 = int(datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("* * * * *", datetime(2026, 1, 1, 0, 1, tzinfo=UTC)),
        ("*/15 * * * *", datetime(2026, 1, 1, 0, 15, tzinfo=UTC)),
        ("0 9 * * MON", datetime(2026, 1, 5, 9, 0, tzinfo=UTC)),
        ("30 2 1 * *", datetime(2026, 1, 1, 2, 30, tzinfo=UTC)),
        ("0 0 1 JAN *", datetime(2027, 1, 1, tzinfo=UTC)),
        ("*/10 * * * * *", datetime(2026, 1, 1, 0, 0, 40, tzinfo=UTC)),
        ("@hourly", datetime(2026, 1, 1, 1, 0, tzinfo=UTC)),
        ("@daily", datetime(2026, 1, 2, tzinfo=UTC)),
    ],
)
def test_cron_next(expr: str, expected: datetime) -> None:
    assert Cron(expr).next_after(T0) == int(expected.timestamp() * 1000)


@pytest.mark.parametrize("expr", ["", "* * *", "61 * * * *", "* * * * * * * *", "every minute"])
def test_cron_rejects(expr: str) -> None:
    with pytest.raises(InvalidArgumentError, match="cron"):
        Cron(expr)


@pytest.mark.parametrize(
    ("rate", "per_second"),
    [("10/s", 10.0), ("120/m", 2.0), ("36/h", 0.01), (" 5 / sec ", 5.0), (3, 3.0), (0.5, 0.5), (None, None)],
)
def test_parse_rate(rate, per_second) -> None:
    assert parse_rate(rate) == per_second


@pytest.mark.parametrize("rate", ["10", "x/s", "10/d", 0, -1, "0/s"])
def test_parse_rate_rejects(rate) -> None:
    with pytest.raises(InvalidArgumentError, match="rate_limit"):
        parse_rate(rate)


def test_eta_forms() -> None:
    assert eta_ms(None, None) is None
    assert eta_ms(None, datetime(2030, 1, 1, tzinfo=UTC)) == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp() * 1000)
    assert eta_ms(None, datetime(2030, 1, 1)) == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp() * 1000)
    assert eta_ms(None, 1_900_000_000.5) == 1_900_000_000_500
    with pytest.raises(InvalidArgumentError, match="not both"):
        eta_ms(1, datetime(2030, 1, 1))
    with pytest.raises(InvalidArgumentError, match="negative"):
        eta_ms(-1, None)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"retries": -1}, "retries"),
        ({"priority": 10}, "priority"),
        ({"priority": True}, "priority"),
        ({"time_limit": 0}, "time_limit"),
        ({"rate_limit": "fast"}, "rate_limit"),
        ({"retry_backoff": -1}, "retry_backoff"),
    ],
)
def test_task_option_errors(tmp_path, options, match) -> None:
    app = App(f"local://{tmp_path}/b.redb")
    with pytest.raises(InvalidArgumentError, match=match):
        app.task(**options)(lambda: None)


def test_duplicate_task_name(tmp_path) -> None:
    app = App(f"local://{tmp_path}/b.redb")
    app.task(name="same")(lambda: 1)
    with pytest.raises(InvalidArgumentError, match="already registered"):
        app.task(name="same")(lambda: 2)


def test_periodic_needs_one_schedule(tmp_path) -> None:
    app = App(f"local://{tmp_path}/b.redb")
    t = app.task(lambda: 1)
    with pytest.raises(InvalidArgumentError, match="exactly one"):
        app.add_periodic(t)
    with pytest.raises(InvalidArgumentError, match="exactly one"):
        app.add_periodic(t, cron="* * * * *", every=5)
    with pytest.raises(InvalidArgumentError, match="every"):
        app.add_periodic(t, every=0)


def test_direct_call_runs_locally(tmp_path) -> None:
    app = App(f"local://{tmp_path}/b.redb")

    @app.task
    def double(x: int) -> int:
        return 2 * x

    assert double(4) == 8
    assert double.name.endswith("double")
    assert "double" in repr(double)
