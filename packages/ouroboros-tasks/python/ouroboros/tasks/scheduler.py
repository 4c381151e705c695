"""Scheduler: enqueues periodic tasks; one is active across all processes.

Every scheduler tries to take a lease (`scheduler.lock` in the broker's
key-value space, renewed every tick, expiring after ``lock_ttl``); only the
holder enqueues. The next due time of each entry is stored in the broker
(``schedule.<name>``), so a scheduler that takes over after another died
neither repeats nor skips a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
from typing import TYPE_CHECKING

from ouroboros.tasks._message import dumps, loads, new_id, now_ms
from ouroboros.tasks.canvas import Signature

if TYPE_CHECKING:
    from ouroboros.tasks.app import App, PeriodicEntry

log = logging.getLogger("ouroboros.tasks.scheduler")
LOCK_KEY = "scheduler.lock"


def _key(name: str) -> str:
    return "schedule." + re.sub(r"[^A-Za-z0-9_\-=/.]", "_", name).strip(".")


class Scheduler:
    """Runs the app's periodic entries (``App.periodic`` / ``App.add_periodic``)."""

    def __init__(self, app: App, *, name: str | None = None, lock_ttl: float = 10.0, tick: float = 0.25) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{new_id()[:6]}"
        self.lock_ttl = lock_ttl
        self.tick_interval = tick
        self.is_leader = False
        self.fired: list[str] = []

    async def tick(self) -> list[str]:
        """One round: renew or take the lease, enqueue what is due. Returns the
        names of the entries enqueued."""
        broker = self.app.broker
        leader = bool(await broker.lock(LOCK_KEY, self.name, self.lock_ttl))
        if leader != self.is_leader:
            log.info("scheduler %s %s", self.name, "is now active" if leader else "is standing by")
            self.is_leader = leader
        if not leader or not self.app.periodic_entries:
            return []
        entries: list[PeriodicEntry] = list(self.app.periodic_entries.values())
        raws = await broker.kv_get_many([_key(e.name) for e in entries])
        now = now_ms()
        fired, updates = [], []
        for entry, raw in zip(entries, raws, strict=True):
            due = loads(raw)["next"] if raw is not None else None
            if due is None:
                updates.append((_key(entry.name), dumps({"next": entry.next_after(now)}), None))
                continue
            if now < due:
                continue
            sig = Signature(entry.task, entry.args, entry.kwargs, app=self.app)
            queue, env = sig.envelope()
            await broker.enqueue(queue, [env])
            nxt = entry.next_after(due)
            if nxt <= now:  # fell behind (scheduler down): skip missed runs
                nxt = entry.next_after(now)
            updates.append((_key(entry.name), dumps({"next": nxt, "last": now, "last_id": sig.id}), None))
            fired.append(entry.name)
            log.info("periodic %s enqueued as %s[%s]", entry.name, entry.task, sig.id, extra={"event": "periodic"})
        if updates:
            await broker.kv_put_many(updates)
        self.fired.extend(fired)
        return fired

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set, then give the lease up."""
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except Exception as exc:  # noqa: BLE001 - keep scheduling through broker hiccups
                    log.error("scheduler tick failed: %s", exc, extra={"event": "broker_error"})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.tick_interval)
        finally:
            if self.is_leader:
                await self.app.broker.unlock(LOCK_KEY, self.name)
                self.is_leader = False
