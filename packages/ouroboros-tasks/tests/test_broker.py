"""The native broker API, the same cases on every broker."""

from __future__ import annotations

import asyncio
import time

import pytest
from service_brokers import fresh_prefix

from ouroboros.core import InvalidArgumentError
from ouroboros.tasks import Broker
from ouroboros.tasks._message import now_ms


@pytest.fixture
def broker(broker_url: str) -> Broker:
    return Broker(broker_url, prefix=fresh_prefix(), ack_wait=0.5, max_deliveries=2)


def item(i: int, priority: int = 0, not_before: int = 0) -> tuple[str, bytes, int, int]:
    return (f"m{i}", f"body-{i}".encode(), priority, not_before)


def fetch_all(broker: Broker, queue: str, want: int, timeout: float = 10.0) -> list[tuple]:
    got: list[tuple] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        got += broker.fetch(queue, "c1", 100, 0.2, wait=True)
    return got


def test_enqueue_fetch_ack(broker: Broker) -> None:
    broker.enqueue("q", [item(1)], wait=True)
    (d,) = fetch_all(broker, "q", 1)
    token, msg_id, body, priority, deliveries = d
    assert (msg_id, body, priority, deliveries) == ("m1", b"body-1", 0, 1)
    broker.ack("q", [token], wait=True)
    assert broker.fetch("q", "c1", 10, 0.1, wait=True) == []
    assert broker.counts("q", wait=True) == {"ready": 0, "in_flight": 0, "delayed": 0, "dead": 0}


def test_empty_fetch_returns_nothing(broker: Broker) -> None:
    assert broker.fetch("empty", "c1", 5, 0.05, wait=True) == []


def test_unacked_message_is_redelivered(broker: Broker) -> None:
    broker.enqueue("q", [item(1)], wait=True)
    (first,) = fetch_all(broker, "q", 1)
    (second,) = fetch_all(broker, "q", 1)
    assert second[1] == "m1"
    assert second[4] == 2
    assert first[4] == 1


def test_nack_returns_message_now(broker: Broker) -> None:
    broker.enqueue("q", [item(1)], wait=True)
    (d,) = fetch_all(broker, "q", 1)
    broker.nack("q", [d], wait=True)
    (again,) = broker.fetch("q", "c1", 10, 0.4, wait=True)
    assert again[1] == "m1"
    assert again[2] == b"body-1"


def test_delayed_message_waits(broker: Broker) -> None:
    broker.enqueue("q", [item(1, not_before=now_ms() + 700)], wait=True)
    assert broker.fetch("q", "c1", 10, 0.1, wait=True) == []
    (d,) = fetch_all(broker, "q", 1, timeout=5)
    assert d[1] == "m1"
    assert now_ms() >= 0


def test_priority_first_within_batch(broker: Broker) -> None:
    broker.enqueue("q", [item(1, 1), item(2, 9), item(3, 5)], wait=True)
    batches = []
    deadline = time.monotonic() + 10
    while sum(len(b) for b in batches) < 3 and time.monotonic() < deadline:
        batch = broker.fetch("q", "c1", 10, 0.3, wait=True)
        if batch:
            batches.append(batch)
    for batch in batches:
        assert [d[3] for d in batch] == sorted((d[3] for d in batch), reverse=True)
    assert sorted(d[1] for b in batches for d in b) == ["m1", "m2", "m3"]
    if broker.kind == "local":
        # The embedded broker orders the whole queue by priority.
        assert [d[1] for b in batches for d in b] == ["m2", "m3", "m1"]


def test_dead_letter_keeps_error(broker: Broker) -> None:
    broker.enqueue("q", [item(1)], wait=True)
    (d,) = fetch_all(broker, "q", 1)
    broker.dead_letter("q", d, "ValueError: boom\nline 2", wait=True)
    (dl,) = broker.dead_letters("q", 10, wait=True)
    assert dl[0] == "m1"
    assert dl[1] == b"body-1"
    assert dl[2] == "ValueError: boom\nline 2"
    assert dl[3] > 0
    assert broker.counts("q", wait=True)["dead"] == 1
    assert broker.fetch("q", "c1", 10, 0.6, wait=True) == []


def test_exhausted_deliveries_go_to_dead_letters(broker: Broker) -> None:
    broker.enqueue("q", [item(1)], wait=True)
    seen = 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not broker.dead_letters("q", 10, wait=True):
        seen += len(broker.fetch("q", "c1", 10, 0.2, wait=True))
    (dl,) = broker.dead_letters("q", 10, wait=True)
    assert dl[0] == "m1"
    assert "delivered 2 times" in dl[2]
    assert seen == 2


def test_counts(broker: Broker) -> None:
    broker.enqueue("q", [item(i) for i in range(5)], wait=True)
    broker.enqueue("q", [item(9, not_before=now_ms() + 60_000)], wait=True)
    got = fetch_all(broker, "q", 2)[:2]
    assert len(got) >= 2
    counts = broker.counts("q", wait=True)
    assert counts["ready"] + counts["in_flight"] + counts["delayed"] == 6
    assert counts["dead"] == 0


def test_purge(broker: Broker) -> None:
    broker.enqueue("q", [item(i) for i in range(3)], wait=True)
    broker.purge("q", wait=True)
    assert broker.fetch("q", "c1", 10, 0.2, wait=True) == []


def test_batch_of_thousand(broker: Broker) -> None:
    broker.enqueue("q", [item(i) for i in range(1000)], wait=True)
    got = fetch_all(broker, "q", 1000, timeout=30)
    assert sorted(int(d[1][1:]) for d in got) == list(range(1000))
    broker.ack("q", [d[0] for d in got], wait=True)
    assert broker.fetch("q", "c1", 10, 0.1, wait=True) == []


def test_touch_keeps_delivery(broker: Broker) -> None:
    broker.enqueue("q", [item(1)], wait=True)
    (d,) = fetch_all(broker, "q", 1)
    for _ in range(4):
        time.sleep(0.2)
        broker.touch("q", "c1", [d[0]], wait=True)
        assert broker.fetch("q", "c1", 10, 0.0, wait=True) == []


def test_kv_put_get_ttl(broker: Broker) -> None:
    broker.kv_put_many([("a.b", b"1", None), ("a.c", b"2", 0.3)], wait=True)
    assert broker.kv_get_many(["a.b", "a.c", "a.missing"], wait=True) == [b"1", b"2", None]
    time.sleep(0.6)
    assert broker.kv_get_many(["a.c"], wait=True) == [None]
    broker.kv_delete("a.b", wait=True)
    assert broker.kv_get_many(["a.b"], wait=True) == [None]


def test_kv_scan(broker: Broker) -> None:
    broker.kv_put_many([("w.1", b"x", None), ("w.2", b"y", None), ("z.1", b"z", None)], wait=True)
    assert sorted(broker.kv_scan("w.", wait=True)) == [("w.1", b"x"), ("w.2", b"y")]


def test_kv_incr_concurrent(broker: Broker) -> None:
    async def main() -> list[int]:
        return await asyncio.gather(*(broker.kv_incr("n", 1) for _ in range(20)))

    values = asyncio.run(main())
    assert sorted(values) == list(range(1, 21))


def test_lock_lease(broker: Broker) -> None:
    assert broker.lock("l", "a", 0.4, wait=True) is True
    assert broker.lock("l", "b", 0.4, wait=True) is False
    assert broker.lock("l", "a", 0.4, wait=True) is True
    time.sleep(0.6)
    assert broker.lock("l", "b", 5, wait=True) is True
    broker.unlock("l", "a", wait=True)
    assert broker.lock("l", "a", 5, wait=True) is False
    broker.unlock("l", "b", wait=True)
    assert broker.lock("l", "a", 5, wait=True) is True


@pytest.mark.parametrize("queue", ["", "a b", "a.b", "x" * 200, "é"])
def test_bad_queue_names(broker: Broker, queue: str) -> None:
    with pytest.raises(InvalidArgumentError, match="queue"):
        broker.enqueue(queue, [item(1)], wait=True)


@pytest.mark.parametrize("key", ["", "a b", ".a", "a.", "a*"])
def test_bad_keys(broker: Broker, key: str) -> None:
    with pytest.raises(InvalidArgumentError, match="key"):
        broker.kv_get_many([key], wait=True)


def test_priority_out_of_range(broker: Broker) -> None:
    with pytest.raises(InvalidArgumentError, match="priority"):
        broker.enqueue("q", [item(1, priority=10)], wait=True)


def test_async_api(broker: Broker) -> None:
    async def main() -> tuple:
        await broker.enqueue("q", [item(1)])
        for _ in range(50):
            got = await broker.fetch("q", "c1", 10, 0.2)
            if got:
                await broker.ack("q", [got[0][0]])
                return got[0]
        raise AssertionError("nothing fetched")

    d = asyncio.run(main())
    assert d[1] == "m1"
