"""`ob http`: registered through the `ouroboros.cli` entry-point group.

Adds ``ob http get URL`` (and ``head``) for a quick look at an endpoint with
the same client the library uses.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ouroboros.core.cli import add_module_command


def _request(args: argparse.Namespace) -> int:
    from ouroboros.http import Client, HTTPError, Timeout

    headers = []
    for h in args.header or []:
        name, sep, value = h.partition(":")
        if not sep:
            print(f"ob http: bad header {h!r}; expected 'Name: value'", file=sys.stderr)
            return 2
        headers.append((name.strip(), value.strip()))
    try:
        with Client(timeout=Timeout(args.timeout), follow_redirects=args.follow, verify=not args.insecure) as client:
            r = client.request(args.method, args.url, headers=headers)
    except HTTPError as exc:
        print(f"ob http: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.include or args.method == "HEAD":
        print(f"{r.http_version} {r.status_code} {r.reason_phrase}")
        for k, v in r.headers.multi_items():
            print(f"{k}: {v}")
        print()
    if args.method != "HEAD":
        sys.stdout.write(r.text)
        if not r.text.endswith("\n"):
            sys.stdout.write("\n")
    return 0 if r.status_code < 400 else 1


def register(subparsers: Any) -> None:
    parser = add_module_command(subparsers, "http", "ouroboros.http", "ouroboros.http commands")
    for method in ("get", "head"):
        cmd = parser.subcommands.add_parser(method, help=f"send a {method.upper()} request and print the response")
        cmd.add_argument("url")
        cmd.add_argument("-H", "--header", action="append", help="extra header 'Name: value' (repeatable)")
        cmd.add_argument("-i", "--include", action="store_true", help="print the status line and headers")
        cmd.add_argument("-L", "--follow", action="store_true", help="follow redirects")
        cmd.add_argument("-k", "--insecure", action="store_true", help="skip TLS certificate checks")
        cmd.add_argument("--timeout", type=float, default=10.0, help="seconds per phase (default 10)")
        cmd.set_defaults(handler=_request, method=method.upper())
