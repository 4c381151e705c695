"""ouroboros.test: a test framework with a Rust runner.

Write suites as classes of tests with readable expectations::

    from ouroboros.test import TestSuite, test, expect

    class TestUser(TestSuite):
        @test
        def test_name(self):
            expect(User(name="Alice").name).to_equal("Alice")

Run them with ``python -m ouroboros.test tests/`` (or ``ob test tests/``):
files are collected and run in parallel worker processes by the Rust runner;
pytest also collects them through the bundled plugin. ``await Suite().run()``
runs one suite in-process.
"""

from ouroboros.test._bench import BenchmarkGroup, BenchmarkResult, benchmark, run_benchmarks
from ouroboros.test._expect import Expectation, ExpectationFailed, expect, expect_all
from ouroboros.test._fixtures import FixtureError, fixture
from ouroboros.test._main import main
from ouroboros.test._marks import parametrize, skip, skip_if, tag, test, timeout, xfail
from ouroboros.test._suite import CaseResult, Skipped, SuiteReport, TestCase, TestSuite, TestTimeout, skip_test
from ouroboros.test._test import __version__

__all__ = [
    "BenchmarkGroup",
    "BenchmarkResult",
    "CaseResult",
    "Expectation",
    "ExpectationFailed",
    "FixtureError",
    "Skipped",
    "SuiteReport",
    "TestCase",
    "TestSuite",
    "TestTimeout",
    "__version__",
    "benchmark",
    "expect",
    "expect_all",
    "fixture",
    "main",
    "parametrize",
    "run_benchmarks",
    "skip",
    "skip_if",
    "skip_test",
    "tag",
    "test",
    "timeout",
    "xfail",
]
