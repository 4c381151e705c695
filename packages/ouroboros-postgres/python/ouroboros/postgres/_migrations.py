"""Numbered SQL migrations: ``ob postgres migrate up / down / status``.

A migration is a file ``<version>_<name>.sql`` (``0001_create_users.sql``)
with two sections::

    -- migrate:up
    CREATE TABLE users (...);
    -- migrate:down
    DROP TABLE users;

Migrations are applied in version order, each in its own transaction
together with the row that records it in ``ouroboros_migrations``. A run holds
a PostgreSQL advisory lock for its whole duration, so two processes started
at once apply each migration exactly once: the second waits, then finds
nothing left to do.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ouroboros.postgres._errors import PostgresBaseError
from ouroboros.postgres._expressions import quote_ident
from ouroboros.postgres._postgres import Connection

__all__ = [
    "Migration",
    "MigrationError",
    "MigrationState",
    "Migrator",
    "load_migrations",
]

FILE_PATTERN = re.compile(r"^(\d+)_([A-Za-z0-9_\-]+)\.sql$")
UP_MARKER = re.compile(r"^--\s*migrate:up\s*$", re.M)
DOWN_MARKER = re.compile(r"^--\s*migrate:down\s*$", re.M)
DEFAULT_TABLE = "ouroboros_migrations"
# pg_advisory_lock key: the first 8 bytes of sha256("ouroboros.postgres.migrations").
LOCK_KEY = int.from_bytes(hashlib.sha256(b"ouroboros.postgres.migrations").digest()[:8], "big", signed=True)


class MigrationError(PostgresBaseError, RuntimeError):
    """A migration file is malformed, a version is missing, or the lock was not obtained."""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    path: Path
    up: str
    down: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.up.encode()).hexdigest()


@dataclass(frozen=True)
class MigrationState:
    """A row of ``status()``: ``state`` is applied, pending, changed or missing."""

    version: int
    name: str
    state: str
    applied_at: datetime.datetime | None


def parse_migration(path: Path) -> Migration:
    match = FILE_PATTERN.match(path.name)
    if match is None:
        raise MigrationError(f"{path}: a migration file is named <version>_<name>.sql, e.g. 0001_create_users.sql")
    text = path.read_text(encoding="utf-8")
    up = UP_MARKER.search(text)
    down = DOWN_MARKER.search(text)
    if up is None:
        raise MigrationError(f"{path}: no '-- migrate:up' line")
    if down is not None and down.start() < up.start():
        raise MigrationError(f"{path}: '-- migrate:down' comes before '-- migrate:up'")
    up_sql = text[up.end() : down.start() if down else len(text)].strip()
    down_sql = text[down.end() :].strip() if down else ""
    if not up_sql:
        raise MigrationError(f"{path}: the up section is empty")
    return Migration(int(match.group(1)), match.group(2), path, up_sql, down_sql)


def load_migrations(directory: str | Path) -> list[Migration]:
    """Every migration file of ``directory``, by version (other files are ignored)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise MigrationError(f"migrations directory {folder} does not exist")
    found: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        migration = parse_migration(path)
        if migration.version in found:
            raise MigrationError(
                f"version {migration.version} is used twice: {found[migration.version].path.name} and {path.name}"
            )
        found[migration.version] = migration
    return [found[v] for v in sorted(found)]


def new_migration_path(directory: str | Path, name: str) -> Path:
    """The next file name in ``directory`` (``0003_add_age.sql``)."""
    folder = Path(directory)
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "migration"
    versions = [int(m.group(1)) for p in folder.glob("*.sql") if (m := FILE_PATTERN.match(p.name))]
    return folder / f"{max(versions, default=0) + 1:04d}_{slug}.sql"


def write_migration(directory: str | Path, name: str, up: str, down: str) -> Path:
    """Create the next migration file with the given sections."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = new_migration_path(folder, name)
    path.write_text(f"-- migrate:up\n{up.strip()}\n\n-- migrate:down\n{down.strip()}\n", encoding="utf-8")
    return path


class Migrator:
    """Applies and reverts the migrations of ``directory`` on ``connection``."""

    def __init__(
        self,
        connection: Connection,
        directory: str | Path,
        *,
        table: str = DEFAULT_TABLE,
        lock_timeout: float | None = 60.0,
    ) -> None:
        self.conn = connection
        self.directory = Path(directory)
        self.table = quote_ident(table)
        self.lock_timeout = lock_timeout

    async def _lock(self) -> None:
        deadline = None if self.lock_timeout is None else time.monotonic() + self.lock_timeout
        while not await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
            if deadline is not None and time.monotonic() >= deadline:
                raise MigrationError(
                    f"another process has held the migration lock for over {self.lock_timeout:g}s; try again later"
                )
            await asyncio.sleep(0.05)

    async def _unlock(self) -> None:
        if not self.conn.is_closed():
            await self.conn.fetchval("SELECT pg_advisory_unlock($1)", LOCK_KEY)

    async def _ensure_table(self) -> None:
        await self.conn.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            "version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )

    async def _applied(self) -> dict[int, Any]:
        rows = await self.conn.fetch(f"SELECT version, name, checksum, applied_at FROM {self.table} ORDER BY version")
        return {r["version"]: r for r in rows}

    async def _locked(self, work: Any) -> Any:
        await self._lock()
        try:
            await self._ensure_table()
            return await work()
        finally:
            await self._unlock()

    async def status(self) -> list[MigrationState]:
        """Every migration known to the files or the table, with its state."""

        async def work() -> list[MigrationState]:
            files = {m.version: m for m in load_migrations(self.directory)}
            applied = await self._applied()
            out = []
            for version in sorted(set(files) | set(applied)):
                m, row = files.get(version), applied.get(version)
                if row is None:
                    state = "pending"
                elif m is None:
                    state = "missing"
                elif row["checksum"] != m.checksum:
                    state = "changed"
                else:
                    state = "applied"
                name = m.name if m else row["name"]
                out.append(MigrationState(version, name, state, row["applied_at"] if row else None))
            return out

        return await self._locked(work)

    async def up(self, *, to: int | None = None) -> list[Migration]:
        """Apply every pending migration (up to version ``to``); returns those applied."""

        async def work() -> list[Migration]:
            applied = await self._applied()
            done = []
            for m in load_migrations(self.directory):
                if m.version in applied or (to is not None and m.version > to):
                    continue
                async with self.conn.transaction():
                    await self.conn.execute(m.up)
                    await self.conn.execute(
                        f"INSERT INTO {self.table} (version, name, checksum) VALUES ($1, $2, $3)",
                        m.version,
                        m.name,
                        m.checksum,
                    )
                done.append(m)
            return done

        return await self._locked(work)

    async def down(self, *, steps: int = 1, to: int | None = None) -> list[Migration]:
        """Revert the last ``steps`` applied migrations (or all above version ``to``)."""
        if to is None and (not isinstance(steps, int) or steps < 0):
            raise MigrationError(f"steps must be a non-negative int, got {steps!r}")

        async def work() -> list[Migration]:
            files = {m.version: m for m in load_migrations(self.directory)}
            versions = sorted(await self._applied(), reverse=True)
            chosen = [v for v in versions if v > to] if to is not None else versions[:steps]
            done = []
            for version in chosen:
                m = files.get(version)
                if m is None:
                    raise MigrationError(f"migration {version} is applied but its file is gone: cannot revert it")
                if not m.down:
                    raise MigrationError(f"{m.path.name} has no '-- migrate:down' section: cannot revert it")
                async with self.conn.transaction():
                    await self.conn.execute(m.down)
                    await self.conn.execute(f"DELETE FROM {self.table} WHERE version = $1", version)
                done.append(m)
            return done

        return await self._locked(work)
