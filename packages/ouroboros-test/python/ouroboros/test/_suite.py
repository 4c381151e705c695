"""``TestSuite``, its tests, and running them.

The same code runs a suite whether the Rust runner's worker asked for it,
``await Suite().run()`` was called, or pytest collected it through the plugin.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import os
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, NoReturn

from ouroboros.test._expect import ExpectationFailed
from ouroboros.test._fixtures import FixtureDef, FixtureError, Resolver, ScopeCache, module_fixtures, suite_fixtures
from ouroboros.test._marks import Marks, expand, marks_of

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_LIFECYCLE = frozenset({"setup", "teardown", "setup_suite", "teardown_suite", "run", "collect"})


class Skipped(Exception):
    """Raised by :func:`skip_test` to skip the running test."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def skip_test(reason: str = "skipped") -> NoReturn:
    """Skip the running test from inside it (after a runtime check)."""
    raise Skipped(reason)


class TestTimeout(Exception):
    """The test ran longer than its timeout."""

    __test__ = False  # not a pytest test class


@dataclass
class TestCase:
    """One runnable test: a method of a suite with one set of parameters."""

    __test__ = False  # not a pytest test class

    suite: type[TestSuite]
    name: str
    method: str
    marks: Marks
    kwargs: dict[str, Any]
    fixtures: list[str]
    tags: list[str]
    timeout: float | None
    line: int
    is_async: bool

    @property
    def id(self) -> str:
        return f"{self.suite.__name__}::{self.name}"


@dataclass
class CaseResult:
    name: str
    outcome: str
    duration: float
    message: str | None = None
    longrepr: str | None = None
    output: str | None = None
    #: The exception behind a failure (for the pytest plugin to re-raise).
    exc: BaseException | None = field(default=None, repr=False)

    def to_wire(self) -> dict[str, Any]:
        return {
            "ev": "result",
            "name": self.name,
            "outcome": self.outcome,
            "duration": self.duration,
            "message": self.message,
            "longrepr": self.longrepr,
            "output": self.output,
        }


class TestSuite:
    """A group of tests: methods marked ``@test`` (or named ``test_*``).

    Override ``setup``/``teardown`` (around every test) and
    ``setup_suite``/``teardown_suite`` (once around the suite); each may be
    ``async``. Set ``tags`` and ``timeout`` on the class for all its tests.
    """

    # pytest must not collect suites as its own test classes; the plugin
    # collects them (a subclass that sets __test__ itself decides for itself).
    __test__ = False
    #: Tags every test of the suite carries.
    tags: ClassVar[tuple[str, ...]] = ()
    #: Default timeout in seconds of every test of the suite.
    timeout: ClassVar[float | None] = None

    def setup(self) -> Any:
        """Runs before each test."""

    def teardown(self) -> Any:
        """Runs after each test, whether it passed or not."""

    def setup_suite(self) -> Any:
        """Runs once before the suite's first test."""

    def teardown_suite(self) -> Any:
        """Runs once after the suite's last test."""

    @classmethod
    def collect(cls) -> list[TestCase]:
        """Every test of the suite, in definition order, parameters expanded."""
        return collect_suite(cls)

    async def run(
        self, *, pattern: str | None = None, tags: str | None = None, verbose: bool = True, file: Any = None
    ) -> SuiteReport:
        """Run the suite in this process and print each result.

        ``pattern`` keeps tests whose name contains it; ``tags`` keeps tests
        carrying that tag. Returns a :class:`SuiteReport`.
        """
        out = file if file is not None else sys.stdout
        cases = [
            c
            for c in collect_suite(type(self))
            if (pattern is None or pattern.lower() in c.name.lower()) and (tags is None or tags in c.tags)
        ]
        report = SuiteReport(type(self).__name__)
        mark_ok, mark_bad = ("✓", "✗") if (getattr(out, "encoding", "") or "").lower().startswith("utf") else ("+", "x")
        if verbose:
            print(type(self).__name__, file=out)

        def emit(result: CaseResult) -> None:
            report.results.append(result)
            if not verbose:
                return
            ms = result.duration * 1000
            if result.outcome in ("passed", "xfailed"):
                print(f"  {mark_ok} {result.name} ({ms:.1f} ms)", file=out)
            elif result.outcome == "skipped":
                print(f"  - {result.name} (skipped: {result.message})", file=out)
            else:
                print(f"  {mark_bad} {result.name} ({ms:.1f} ms)", file=out)
                text = result.longrepr or result.message or ""
                for line in text.splitlines():
                    print(f"      {line}", file=out)

        await run_suite(self, cases, emit=emit)
        if verbose:
            print(report.line(), file=out)
        return report


@dataclass
class SuiteReport:
    """What ``await Suite().run()`` returns."""

    suite: str
    results: list[CaseResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed") + self.count("error")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def line(self) -> str:
        n = len(self.results)
        parts = [f"{self.passed} passed"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        for extra in ("xfailed", "xpassed"):
            if self.count(extra):
                parts.append(f"{self.count(extra)} {extra}")
        return f"{n} test{'s' if n != 1 else ''}: {', '.join(parts)}"


def _is_test_member(name: str, obj: Any) -> bool:
    if not callable(obj) or isinstance(obj, type) or name in _LIFECYCLE:
        return False
    marks = getattr(obj, "__ob_marks__", None)
    if marks is not None and marks.is_test:
        return True
    return name.startswith("test") and getattr(obj, "__ob_fixture__", None) is None


def collect_suite(cls: type[TestSuite]) -> list[TestCase]:
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass is TestSuite:
            continue
        for name, obj in vars(klass).items():
            if isinstance(obj, (staticmethod, classmethod)):
                continue
            members[name] = obj
    suite_tags = list(dict.fromkeys(getattr(cls, "tags", ()) or ()))
    suite_timeout = getattr(cls, "timeout", None)
    cases = []
    for method, func in members.items():
        if not _is_test_member(method, func):
            continue
        marks = marks_of(func) if hasattr(func, "__ob_marks__") else Marks(is_test=True)
        sig = inspect.signature(func)
        params = [p.name for p in sig.parameters.values()][1:]
        try:
            line = func.__code__.co_firstlineno
        except AttributeError:
            line = 0
        base = marks.name or method
        tags = [*suite_tags, *sorted(marks.tags - set(suite_tags))]
        for suffix, kwargs in expand(marks):
            fixtures = [p for p in params if p not in kwargs]
            cases.append(
                TestCase(
                    suite=cls,
                    name=base + suffix,
                    method=method,
                    marks=marks,
                    kwargs=kwargs,
                    fixtures=fixtures,
                    tags=tags,
                    timeout=marks.timeout if marks.timeout is not None else suite_timeout,
                    line=line,
                    is_async=inspect.iscoroutinefunction(func),
                )
            )
    return cases


# --- running ---------------------------------------------------------------------

#: Session-scoped fixture values live as long as the process (one worker).
SESSION = ScopeCache()
#: Extra fixture sources (conftest.py modules), by folder; set by the loader.
CONFTEST_FIXTURES: list[tuple[str, dict[str, FixtureDef]]] = []


#: Fixture tables of a suite class: its own, its module's, and its folder.
_TABLES: dict[type, tuple[dict[str, FixtureDef], dict[str, FixtureDef], str]] = {}


def _tables(suite: type) -> tuple[dict[str, FixtureDef], dict[str, FixtureDef], str]:
    """Built once per suite class, not once per test."""
    found = _TABLES.get(suite)
    if found is None:
        module = sys.modules.get(suite.__module__)
        mod = module_fixtures(vars(module)) if module is not None else {}
        folder = os.path.dirname(os.path.abspath(getattr(module, "__file__", "") or ""))
        found = _TABLES[suite] = (suite_fixtures(suite), mod, folder)
    return found


def _lookup_for(case: TestCase) -> Callable[[str], FixtureDef | None]:
    own, mod, folder = _tables(case.suite)
    # Nearest conftest first.
    conftests = [
        fx
        for d, fx in sorted(CONFTEST_FIXTURES, key=lambda item: -len(item[0]))
        if folder == d or folder.startswith(d + os.sep)
    ]

    def lookup(name: str) -> FixtureDef | None:
        if name in own:
            return own[name]
        if name in mod:
            return mod[name]
        for fx in conftests:
            if name in fx:
                return fx[name]
        return None

    return lookup


def _own_frames(tb: Any) -> Any:
    """The traceback without this package's frames (the runner is not the story)."""
    kept = []
    while tb is not None:
        if os.path.dirname(os.path.abspath(tb.tb_frame.f_code.co_filename)) != _PACKAGE_DIR:
            kept.append(tb)
        tb = tb.tb_next
    rebuilt = None
    for entry in reversed(kept):
        rebuilt = types.TracebackType(rebuilt, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return rebuilt


def _assert_context(exc: BaseException) -> str:
    """For a bare ``assert``: the statement and the values of the names in it."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return ""
    frame = last.tb_frame
    import linecache

    line = linecache.getline(frame.f_code.co_filename, last.tb_lineno).strip()
    if not line.startswith("assert"):
        return ""
    from ouroboros.test._diff import short_repr

    shown = []
    for name, value in frame.f_locals.items():
        if name != "self" and name in line and not name.startswith("__"):
            shown.append(f"  {name} = {short_repr(value)}")
    return "\n".join([line, *shown[:10]])


def describe_failure(exc: BaseException, phase: str) -> tuple[str, str]:
    """(one-line message, full text) of an exception raised by a test."""
    if isinstance(exc, ExpectationFailed):
        return exc.summary, exc.report
    tb = _own_frames(exc.__traceback__)
    text = "".join(traceback.format_exception(type(exc), exc, tb)).rstrip()
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, AssertionError) and not str(exc):
        context = _assert_context(exc)
        if context:
            message = f"AssertionError: {context.splitlines()[0]}"
            text = f"{context}\n\n{text}"
    if phase != "call":
        message = f"{phase}: {message}"
        text = f"error in {phase}\n{text}"
    return message.splitlines()[0] if message else "", text


@contextlib.contextmanager
def _alarm(seconds: float | None) -> Iterator[None]:
    """Raise TestTimeout in a sync test after ``seconds`` (main thread, POSIX)."""
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        raise TestTimeout(f"Timeout: the test ran longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Capture:
    """Send sys.stdout and sys.stderr of one test to a buffer."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.buffer = io.StringIO()

    def __enter__(self) -> _Capture:
        if self.enabled:
            self._saved = (sys.stdout, sys.stderr)
            sys.stdout = sys.stderr = self.buffer
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.enabled:
            sys.stdout, sys.stderr = self._saved

    def text(self) -> str | None:
        value = self.buffer.getvalue()
        return value or None


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


async def run_case(
    instance: TestSuite, case: TestCase, suite_cache: ScopeCache, *, default_timeout: float = 0.0, capture: bool = True
) -> CaseResult:
    """Run one test with its setup, fixtures and teardown."""
    start = time.perf_counter()
    if case.marks.skip is not None:
        return CaseResult(case.name, "skipped", 0.0, message=case.marks.skip)
    test_cache = ScopeCache()
    resolver = Resolver(_lookup_for(case), instance, {"test": test_cache, "suite": suite_cache, "session": SESSION})
    failure: BaseException | None = None
    phase = "setup"
    skipped: str | None = None
    limit = case.timeout if case.timeout is not None else (default_timeout or None)
    with _Capture(capture) as cap:
        try:
            await _maybe_await(instance.setup())
            kwargs = dict(case.kwargs)
            for name in case.fixtures:
                kwargs[name] = await resolver.get(name)
            phase = "call"
            bound = getattr(instance, case.method)
            if case.is_async:
                try:
                    async with asyncio.timeout(limit):
                        await bound(**kwargs)
                except TimeoutError as exc:
                    raise TestTimeout(f"Timeout: the test ran longer than {limit}s") from exc
            else:
                with _alarm(limit):
                    result = bound(**kwargs)
                if inspect.isawaitable(result):
                    await result
        except Skipped as exc:
            skipped = exc.reason
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - the test's failure is the result
            failure = exc
        teardown_failure: BaseException | None = None
        for step in (test_cache.close, instance.teardown):
            try:
                await _maybe_await(step())
            except Exception as exc:  # noqa: BLE001 - reported as the test's error
                teardown_failure = teardown_failure or exc
    duration = time.perf_counter() - start
    output = cap.text()
    if skipped is not None:
        return CaseResult(case.name, "skipped", duration, message=skipped, output=output)
    marks = case.marks
    if failure is not None:
        if phase == "call" and marks.xfail is not None:
            expected = marks.xfail_raises
            if expected is None or isinstance(failure, expected):
                return CaseResult(case.name, "xfailed", duration, message=marks.xfail, output=output)
        outcome = "failed" if phase == "call" and not isinstance(failure, FixtureError) else "error"
        message, text = describe_failure(failure, phase)
        return CaseResult(case.name, outcome, duration, message, text, output, exc=failure)
    if teardown_failure is not None:
        message, text = describe_failure(teardown_failure, "teardown")
        return CaseResult(case.name, "error", duration, message, text, output, exc=teardown_failure)
    if marks.xfail is not None:
        if marks.xfail_strict:
            msg = f"XPASS(strict): {marks.xfail}"
            return CaseResult(case.name, "failed", duration, msg, msg, output)
        return CaseResult(case.name, "xpassed", duration, message=marks.xfail, output=output)
    return CaseResult(case.name, "passed", duration, output=output)


async def run_suite(
    instance: TestSuite,
    cases: list[TestCase],
    *,
    emit: Callable[[CaseResult], None],
    on_start: Callable[[TestCase], None] | None = None,
    default_timeout: float = 0.0,
    capture: bool = True,
) -> None:
    """Run ``cases`` of one suite: suite setup, each test, suite teardown.

    A failing ``setup_suite`` makes every test an error. A failing
    ``teardown_suite`` turns the last test's result into an error (only the
    last result is held back until the suite is torn down), as pytest
    reports it.
    """
    suite_cache = ScopeCache()
    try:
        with _Capture(capture):
            await _maybe_await(instance.setup_suite())
        setup_error = None
    except Exception as exc:  # noqa: BLE001 - reported on every test
        setup_error = describe_failure(exc, "setup_suite")
    held: CaseResult | None = None
    last = len(cases) - 1
    for i, case in enumerate(cases):
        if on_start is not None:
            on_start(case)
        if setup_error is not None:
            result = CaseResult(case.name, "error", 0.0, setup_error[0], setup_error[1])
        else:
            result = await run_case(instance, case, suite_cache, default_timeout=default_timeout, capture=capture)
        if i < last:
            emit(result)
        else:
            held = result
    teardown_error = None
    try:
        await suite_cache.close()
        if setup_error is None:
            with _Capture(capture):
                await _maybe_await(instance.teardown_suite())
    except Exception as exc:  # noqa: BLE001 - reported on the last test
        teardown_error = describe_failure(exc, "teardown_suite")
    if held is not None:
        if teardown_error is not None and held.outcome in ("passed", "xpassed", "skipped", "xfailed"):
            held = CaseResult(held.name, "error", held.duration, teardown_error[0], teardown_error[1], held.output)
        emit(held)
