"""Fixtures: one store per test on each backend (memory, file, redis).

Redis is the server the project's scripts start (``OUROBOROS_REDIS_URL``);
every test gets a fresh namespace (``t<random>:``) there, and its keys are
deleted afterwards, so runs never see each other's data. Without the
variable the Redis cases skip with the reason, or fail when
``OUROBOROS_REQUIRE_SERVICES=1`` (as ``scripts/dev test`` and CI set it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from ouroboros.kv import KV, SyncKV

BACKENDS = ["memory", "file", "redis"]


def redis_url() -> str:
    url = os.environ.get("OUROBOROS_REDIS_URL")
    if not url:
        reason = "OUROBOROS_REDIS_URL is not set (start the services: scripts/services start; . .services/env)"
        if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
            pytest.fail(reason + " but OUROBOROS_REQUIRE_SERVICES=1")
        pytest.skip(reason)
    return url


def _url(backend: str, tmp_path) -> str:
    if backend == "memory":
        return "memory://"
    if backend == "file":
        return (tmp_path / "store.redb").as_uri() + "?reap_interval=0.05"
    return redis_url()


def _wipe(root: SyncKV, name: str) -> None:
    ns = root.namespace(name)
    keys = list(ns.scan_iter())
    if keys:
        ns.delete_many(keys)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _store(cls: type[KV] | type[SyncKV], backend: str, tmp_path) -> Iterator:
    """A store of `cls` on `backend`, in a fresh namespace on Redis."""
    url = _url(backend, tmp_path)
    root = cls.open(url)
    if backend != "redis":
        yield root
        root.close()
        return
    name = f"t{uuid.uuid4().hex[:12]}"
    yield root.namespace(name)
    _wipe(SyncKV.open(url), name)


@pytest.fixture
def kv(backend: str, tmp_path) -> Iterator[KV]:
    """An async store on each backend."""
    yield from _store(KV, backend, tmp_path)


@pytest.fixture
def skv(backend: str, tmp_path) -> Iterator[SyncKV]:
    """A sync store on each backend."""
    yield from _store(SyncKV, backend, tmp_path)
