"""The command line: ``python -m ouroboros.test PATH...`` and ``ob test PATH...``.

Options follow pytest's names where pytest has them (``-k``, ``-x``,
``--maxfail``, ``--lf``, ``--junit-xml``, ``-v``, ``-q``, ``--collect-only``),
so muscle memory carries over. Exit codes are pytest's: 0 all passed, 1 tests
failed, 2 interrupted or a file could not be imported, 3 internal error,
4 usage error, 5 no tests collected.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ouroboros.test import _test


def build_parser(prog: str = "python -m ouroboros.test") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Run ouroboros.test suites with the Rust runner.")
    p.add_argument("paths", nargs="*", default=["."], help="files or folders to search (default: .)")
    p.add_argument(
        "-n", "--workers", default="auto", help="worker processes: a number or 'auto' (one per core; default)"
    )
    p.add_argument("-k", dest="keyword", help="only tests whose id matches: 'user and not slow'")
    p.add_argument("-t", "--tag", "-m", dest="tags", help="only tests whose tags match: 'db or api'")
    p.add_argument("--lf", "--last-failed", dest="last_failed", action="store_true", help="rerun only last failures")
    p.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    p.add_argument("--maxfail", type=int, default=0, help="stop after this many failures")
    p.add_argument("--timeout", type=float, default=0.0, help="seconds a test may run (0: no limit)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-v", "--verbose", action="store_true", help="a line per test")
    out.add_argument("-q", "--quiet", action="store_true", help="only failures and the summary")
    p.add_argument(
        "--display", choices=["auto", "live", "plain", "verbose", "quiet"], default="auto", help="progress style"
    )
    p.add_argument("--junit-xml", "--junitxml", dest="junit_xml", help="write a JUnit XML report here")
    p.add_argument("--json", dest="json_report", help="write a JSON report here")
    p.add_argument("--collect-only", "--co", dest="collect_only", action="store_true", help="list test ids only")
    p.add_argument("-s", "--show-output", action="store_true", help="show captured output of passing tests too")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write .ouroboros-test/")
    p.add_argument("--color", choices=["auto", "yes", "no"], default="auto")
    p.add_argument("--rootdir", default=None, help="folder ids are relative to (default: current folder)")
    return p


def _workers(value: str) -> int:
    if value == "auto":
        return max(1, min(os.cpu_count() or 1, 32))
    try:
        n = int(value)
    except ValueError:
        raise SystemExit(f"error: --workers must be a number or 'auto', not {value!r}") from None
    if not 1 <= n <= 1024:
        raise SystemExit(f"error: --workers must be between 1 and 1024, not {n}")
    return n


def _display(args: argparse.Namespace, tty: bool) -> str:
    if args.verbose:
        return "verbose"
    if args.quiet:
        return "quiet"
    if args.display != "auto":
        return args.display
    in_ci = bool(os.environ.get("CI")) or os.environ.get("TERM") == "dumb"
    return "live" if tty and not in_ci else "plain"


def main(argv: Sequence[str] | None = None, prog: str = "python -m ouroboros.test") -> int:
    """Run the command line and return the exit code."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 4 if exc.code else 0
    if args.maxfail < 0:
        print("error: --maxfail must not be negative", file=sys.stderr)
        return 4
    try:
        workers = _workers(args.workers)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 4
    rootdir = os.path.abspath(args.rootdir or os.getcwd())
    tty = sys.stdout.isatty()
    color = args.color == "yes" or (args.color == "auto" and tty and not os.environ.get("NO_COLOR"))
    sys.stdout.flush()
    try:
        summary = _test.run_session(
            args.paths,
            rootdir=rootdir,
            worker_command=[sys.executable, "-m", "ouroboros.test._worker", rootdir],
            workers=workers,
            keyword=args.keyword,
            tags=args.tags,
            last_failed=args.last_failed,
            max_fail=1 if args.exitfirst else args.maxfail,
            default_timeout=args.timeout,
            display=_display(args, tty),
            junit_xml=args.junit_xml,
            json_report=args.json_report,
            cache_dir=None if args.no_cache else os.path.join(rootdir, ".ouroboros-test"),
            collect_only=args.collect_only,
            show_output=args.show_output,
            color=color,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 4
    except OSError as exc:
        print(f"internal error: {exc}", file=sys.stderr)
        return 3
    return int(summary["exit_code"])
