"""A worker process of the Rust runner: ``python -m ouroboros.test._worker``.

Reads one JSON request per line on stdin and writes JSON events on the file
descriptor that was stdout when it started. The test code's own output never
reaches that pipe: file descriptor 1 is pointed at /dev/null, and each test's
``sys.stdout``/``sys.stderr`` go to a buffer that travels with its result.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from typing import Any

from ouroboros.test._loader import import_test_file, suites_of
from ouroboros.test._suite import SESSION, CaseResult, TestCase, run_suite


class Worker:
    def __init__(self, rootdir: str) -> None:
        self.rootdir = rootdir
        self.loop = asyncio.new_event_loop()
        self.cases: dict[str, dict[str, dict[str, TestCase]]] = {}
        proto_fd = os.dup(1)
        self.proto = os.fdopen(proto_fd, "w", encoding="utf-8", buffering=1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)

    def send(self, event: dict[str, Any]) -> None:
        self.proto.write(json.dumps(event, ensure_ascii=False) + "\n")
        self.proto.flush()

    def collect(self, file: str) -> None:
        try:
            module = import_test_file(file, self.rootdir)
            by_suite = {}
            tests = []
            for suite in suites_of(module):
                cases = {}
                for case in suite.collect():
                    cases[case.name] = case
                    tests.append(
                        {
                            "suite": suite.__name__,
                            "name": case.name,
                            "tags": case.tags,
                            "timeout": case.timeout,
                            "line": case.line,
                        }
                    )
                by_suite[suite.__name__] = cases
        except Exception:  # noqa: BLE001 - reported as a collection error
            self.send({"ev": "collected", "file": file, "tests": [], "error": traceback.format_exc()})
            return
        self.cases[file] = by_suite
        self.send({"ev": "collected", "file": file, "tests": tests})

    def run(self, file: str, suite: str, names: list[str], timeout: float) -> None:
        if file not in self.cases:
            self.collect_quietly(file)
        cases = self.cases.get(file, {}).get(suite, {})
        todo = []
        for name in names:
            case = cases.get(name)
            if case is None:
                msg = f"test {suite}::{name} not found in {file} (did the file change during the run?)"
                self.send(CaseResult(name, "error", 0.0, msg, msg).to_wire())
            else:
                todo.append(case)
        if todo:
            instance = todo[0].suite()

            def on_start(case: TestCase) -> None:
                self.send({"ev": "start", "name": case.name})

            def emit(result: CaseResult) -> None:
                self.send(result.to_wire())

            self.loop.run_until_complete(
                run_suite(instance, todo, emit=emit, on_start=on_start, default_timeout=timeout)
            )
        self.send({"ev": "done"})

    def collect_quietly(self, file: str) -> None:
        try:
            module = import_test_file(file, self.rootdir)
            self.cases[file] = {s.__name__: {c.name: c for c in s.collect()} for s in suites_of(module)}
        except Exception:  # noqa: BLE001 - the tests will be reported as not found
            self.cases[file] = {}

    def serve(self) -> None:
        self.send({"ev": "ready", "pid": os.getpid()})
        for line in sys.stdin:
            if not line.strip():
                continue
            msg = json.loads(line)
            op = msg.get("op")
            if op == "collect":
                self.collect(msg["file"])
            elif op == "run":
                self.run(msg["file"], msg["suite"], msg["tests"], float(msg.get("timeout") or 0.0))
            elif op == "exit":
                break
        try:
            self.loop.run_until_complete(SESSION.close())
        except Exception:  # noqa: BLE001 - the run is over; say it on stderr
            traceback.print_exc()
        self.loop.close()


def main() -> None:
    rootdir = sys.argv[1] if len(sys.argv) > 1 else os.getcwd()
    if rootdir not in sys.path:
        sys.path.insert(0, rootdir)
    Worker(rootdir).serve()


if __name__ == "__main__":
    main()
