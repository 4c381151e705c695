"""Fixtures: every broker test runs against the embedded broker, Redis and NATS.

Redis and NATS addresses come from OUROBOROS_REDIS_URL / OUROBOROS_NATS_URL
(scripts/services starts them); each test uses a fresh prefix, so streams and
keys of other runs are never touched. Without a variable the test skips,
or fails when OUROBOROS_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_brokers import BROKERS, RunningWorker, fresh_prefix, service_url

from ouroboros.tasks import App


@pytest.fixture(params=BROKERS)
def broker_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def broker_url(broker_kind: str, tmp_path: Path) -> str:
    return service_url(broker_kind, tmp_path)


@pytest.fixture
def app(broker_url: str) -> App:
    # Short ack waits keep redelivery tests quick.
    return App(broker_url, prefix=fresh_prefix(), ack_wait=1.0, max_deliveries=3, result_ttl=600)


@pytest.fixture
def start_worker() -> Iterator[Any]:
    running: list[RunningWorker] = []

    def start(app: App, **options: Any) -> RunningWorker:
        w = RunningWorker(app, **options).start()
        running.append(w)
        return w

    yield start
    for w in running:
        w.stop()
