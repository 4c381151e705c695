"""The pytest plugin: pytest collects and runs ``TestSuite`` classes too.

Registered through the ``pytest11`` entry point, so it is active wherever
ouroboros-test is installed; it only touches classes that subclass
``TestSuite``. Each suite becomes a pytest collector (its ``setup_suite`` and
``teardown_suite`` run once around its tests) and each test a pytest item run
by the same code as the Rust runner's workers: marks, fixtures declared with
``@fixture``, timeouts and expectations behave the same. Skips and xfails are
reported to pytest as its own.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from ouroboros.test._expect import ExpectationFailed
from ouroboros.test._fixtures import ScopeCache
from ouroboros.test._suite import TestCase, TestSuite, _maybe_await, describe_failure, run_case


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: Any) -> Any:
    if not (inspect.isclass(obj) and issubclass(obj, TestSuite)):
        return None
    if obj is TestSuite or not obj.__dict__.get("__test__", True):
        return []
    if not isinstance(collector, pytest.Module) or obj.__module__ != collector.obj.__name__:
        return []
    return SuiteCollector.from_parent(collector, name=name, obj=obj)


class SuiteCollector(pytest.Class):
    """One TestSuite subclass."""

    def collect(self) -> list[pytest.Item]:
        return [SuiteItem.from_parent(self, name=case.name, case=case) for case in self.obj.collect()]

    def setup(self) -> None:
        self.ob_loop = asyncio.new_event_loop()
        self.ob_suite: TestSuite = self.obj()
        self.ob_cache = ScopeCache()
        self.ob_loop.run_until_complete(_maybe_await(self.ob_suite.setup_suite()))

    def teardown(self) -> None:
        loop = getattr(self, "ob_loop", None)
        if loop is None:
            return
        try:
            loop.run_until_complete(self.ob_cache.close())
            loop.run_until_complete(_maybe_await(self.ob_suite.teardown_suite()))
        finally:
            loop.close()


class SuiteItem(pytest.Item):
    """One test of a suite."""

    def __init__(self, *, case: TestCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        for t in case.tags:
            # Tags become pytest marks (`pytest -m db`); registered first so
            # --strict-markers accepts them.
            self.config.addinivalue_line("markers", f"{t}: ouroboros.test tag")
            self.add_marker(t)

    def runtest(self) -> None:
        parent: SuiteCollector = self.parent  # type: ignore[assignment]
        result = parent.ob_loop.run_until_complete(run_case(parent.ob_suite, self.case, parent.ob_cache, capture=False))
        self.ob_result = result
        if result.outcome == "skipped":
            pytest.skip(result.message or "skipped")
        if result.outcome == "xfailed":
            pytest.xfail(result.message or "expected to fail")
        if result.outcome in ("failed", "error"):
            if result.exc is not None:
                raise result.exc
            raise ExpectationFailed(result.longrepr or "", result.message or "")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        result = getattr(self, "ob_result", None)
        if result is not None and result.longrepr:
            return result.longrepr
        exc = excinfo.value
        if isinstance(exc, ExpectationFailed):
            return exc.report
        return describe_failure(exc, "call")[1]

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, self.case.line - 1, f"{self.case.suite.__name__}::{self.case.name}"
