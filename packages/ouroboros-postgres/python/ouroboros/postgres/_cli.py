"""`ob postgres`: registered through the `ouroboros.cli` entry-point group.

``ob postgres migrate up|down|status|new|autogenerate`` runs the migrations of
a directory (``--dir``, default ``migrations``) against ``--dsn`` (default:
``$OUROBOROS_POSTGRES_DSN``, then ``$DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from typing import Any

from ouroboros.core.cli import add_module_command


def register(subparsers: Any) -> None:
    parser = add_module_command(subparsers, "postgres", "ouroboros.postgres", "ouroboros.postgres commands")
    migrate = parser.subcommands.add_parser("migrate", help="apply, revert, list or write migrations")
    actions = migrate.add_subparsers(dest="migrate_command", metavar="ACTION")
    migrate.set_defaults(handler=lambda args: migrate.print_help() or 2)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--dsn", help="server to migrate (default: $OUROBOROS_POSTGRES_DSN, then $DATABASE_URL)")
        p.add_argument("--dir", default="migrations", help="folder of NNNN_name.sql files (default: migrations)")
        p.add_argument("--table", default="ouroboros_migrations", help="table recording applied versions")
        p.add_argument("--lock-timeout", type=float, default=60.0, help="seconds to wait for another run's lock")
        return p

    up = common(actions.add_parser("up", help="apply pending migrations"))
    up.add_argument("--to", type=int, help="stop after this version")
    up.set_defaults(handler=lambda args: _run(_up, args))
    down = common(actions.add_parser("down", help="revert applied migrations (the last one by default)"))
    down.add_argument("--steps", type=int, default=1, help="how many to revert (default 1)")
    down.add_argument("--to", type=int, help="revert every migration above this version instead")
    down.set_defaults(handler=lambda args: _run(_down, args))
    status = common(actions.add_parser("status", help="list migrations and whether they are applied"))
    status.set_defaults(handler=lambda args: _run(_status, args))
    new = actions.add_parser("new", help="write an empty migration file")
    new.add_argument("name")
    new.add_argument("--dir", default="migrations")
    new.set_defaults(handler=_new)
    auto = common(actions.add_parser("autogenerate", help="write a migration from model changes"))
    auto.add_argument("name", help="what the migration does, e.g. 'add user age'")
    auto.add_argument(
        "--models", required=True, action="append", help="module whose Table classes to compare (repeatable)"
    )
    auto.set_defaults(handler=lambda args: _run(_autogenerate, args))


def _dsn(args: argparse.Namespace) -> str:
    dsn = args.dsn or os.environ.get("OUROBOROS_POSTGRES_DSN") or os.environ.get("DATABASE_URL")
    if not dsn:
        raise SystemExit("ob postgres migrate: no server given: pass --dsn or set OUROBOROS_POSTGRES_DSN")
    return dsn


def _run(action: Any, args: argparse.Namespace) -> int:
    from ouroboros.postgres import connect
    from ouroboros.postgres._errors import PostgresBaseError
    from ouroboros.postgres._migrations import Migrator

    async def main() -> int:
        conn = await connect(_dsn(args))
        try:
            migrator = Migrator(conn, args.dir, table=args.table, lock_timeout=args.lock_timeout)
            return await action(migrator, args)
        finally:
            await conn.close()

    try:
        return asyncio.run(main())
    except (PostgresBaseError, OSError, ImportError) as exc:
        print(f"ob postgres migrate: {exc}", file=sys.stderr)
        return 1


async def _up(migrator: Any, args: argparse.Namespace) -> int:
    done = await migrator.up(to=args.to)
    for m in done:
        print(f"applied  {m.version:04d} {m.name}")
    print(f"{len(done)} migration(s) applied" if done else "nothing to apply: the database is up to date")
    return 0


async def _down(migrator: Any, args: argparse.Namespace) -> int:
    done = await migrator.down(steps=args.steps, to=args.to)
    for m in done:
        print(f"reverted {m.version:04d} {m.name}")
    print(f"{len(done)} migration(s) reverted" if done else "nothing to revert")
    return 0


async def _status(migrator: Any, args: argparse.Namespace) -> int:
    rows = await migrator.status()
    if not rows:
        print(f"no migrations in {args.dir}")
    for r in rows:
        when = r.applied_at.strftime("%Y-%m-%d %H:%M:%S %Z") if r.applied_at else ""
        print(f"{r.version:04d}  {r.state:<8} {r.name:<40} {when}".rstrip())
    return 0


def _new(args: argparse.Namespace) -> int:
    from ouroboros.postgres._migrations import write_migration

    path = write_migration(args.dir, args.name, "-- statements that apply the change", "-- statements that undo it")
    print(f"created {path}")
    return 0


def _models_of(module_names: list[str]) -> list[Any]:
    from ouroboros.postgres._table import Table

    sys.path.insert(0, os.getcwd())
    models: list[Any] = []
    for name in module_names:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Table)
                and value is not Table
                and value.__module__ == module.__name__
                and value not in models
            ):
                models.append(value)
    return models


async def _autogenerate(migrator: Any, args: argparse.Namespace) -> int:
    from ouroboros.postgres._autogenerate import autogenerate

    models = _models_of(args.models)
    if not models:
        print(f"ob postgres migrate: no Table classes in {', '.join(args.models)}", file=sys.stderr)
        return 1
    path = await autogenerate(migrator.conn, models, args.dir, args.name)
    if path is None:
        print("no changes: the database matches the models")
    else:
        print(f"created {path}")
    return 0
