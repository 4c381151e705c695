"""`expect(value).to_...()`: assertions that explain themselves.

A failed expectation raises :class:`ExpectationFailed` (an ``AssertionError``)
whose text shows the expression as written in the test, what was expected,
what was received, and a diff when the values are structured::

    expect(user.age).to_equal(31)

      Expected: 31
      Received: 30

Inside ``with expect_all():`` failures are collected and raised together
when the block ends.
"""

from __future__ import annotations

import contextvars
import inspect
import linecache
import math
import os
import re
from collections.abc import Awaitable, Callable, Generator, Sized
from typing import Any, Generic, TypeVar

from ouroboros.test._diff import diff, short_repr

T = TypeVar("T")

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_collector: contextvars.ContextVar[list[ExpectationFailed] | None] = contextvars.ContextVar(
    "ouroboros_test_expect_all", default=None
)


class ExpectationFailed(AssertionError):
    """An ``expect(...)`` that did not hold.

    Attributes:
        report: the full text (expression, expected, received, diff).
        summary: one line, for short summaries.
        location: ``path:line`` of the expectation in the test.
    """

    def __init__(self, report: str, summary: str, location: str = "") -> None:
        super().__init__(report)
        self.report = report
        self.summary = summary
        self.location = location


def _user_frame() -> Any:
    """The innermost frame outside this package (the test's own line)."""
    frame = inspect.currentframe()
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        frame = frame.f_back
    return frame


def _source_of_call(frame: Any) -> tuple[str, str]:
    """The source text of the call running in `frame`, and `path:line`."""
    if frame is None:
        return "", ""
    filename = frame.f_code.co_filename
    location = f"{filename}:{frame.f_lineno}"
    try:
        positions = list(frame.f_code.co_positions())
        start, end, col, end_col = positions[frame.f_lasti // 2]
    except (AttributeError, IndexError, ValueError):
        start = end = frame.f_lineno
        col = end_col = None
    if start is None:
        return linecache.getline(filename, frame.f_lineno).strip(), location
    lines = [linecache.getline(filename, n) for n in range(start, (end or start) + 1)]
    if not any(lines):
        return "", location
    if col is not None and end_col is not None:
        if len(lines) == 1:
            lines[0] = lines[0][col:end_col]
        else:
            lines[0] = lines[0][col:]
            lines[-1] = lines[-1][:end_col]
    text = "\n".join(line.rstrip("\n") for line in lines).strip()
    # co_positions of a method call may cover only `expect(x).to_equal`;
    # show the whole line then.
    if text and not text.endswith(")"):
        text = linecache.getline(filename, start).strip()
    return text, location


class Expectation(Generic[T]):
    """The value under test and the matchers that can be applied to it."""

    __slots__ = ("_actual", "_negated")

    def __init__(self, actual: T, *, negated: bool = False) -> None:
        self._actual = actual
        self._negated = negated

    @property
    def not_(self) -> Expectation[T]:
        """The same expectation, negated: ``expect(x).not_.to_equal(1)``."""
        return Expectation(self._actual, negated=not self._negated)

    # --- failing -------------------------------------------------------------

    def _check(
        self,
        ok: bool,
        expected: str,
        *,
        received: str | None = None,
        diff_of: tuple[object, object] | None = None,
        note: str | None = None,
    ) -> None:
        if ok != self._negated:
            return
        frame = _user_frame()
        expression, location = _source_of_call(frame)
        received = short_repr(self._actual) if received is None else received
        expected_line = f"not {expected}" if self._negated else expected
        lines = []
        if expression:
            lines += [expression, ""]
        lines += [f"  Expected: {expected_line}", f"  Received: {received}"]
        if note:
            lines.append(f"  {note}")
        if diff_of is not None and not self._negated:
            changes = diff(*diff_of)
            if changes:
                lines += ["", "  Difference (- expected, + received):"]
                lines += ["    " + line for line in changes]
        if location:
            lines += ["", f"  at {location}"]
        summary = f"Expected {expected_line}, received {received}"
        failure = ExpectationFailed("\n".join(lines), summary, location)
        collected = _collector.get()
        if collected is not None:
            collected.append(failure)
            return
        raise failure

    # --- equality and identity -------------------------------------------------

    def to_equal(self, expected: object) -> None:
        """Deep equality (``==``), with a diff of containers and long strings."""
        self._check(self._actual == expected, short_repr(expected), diff_of=(expected, self._actual))

    def to_be(self, expected: object) -> None:
        """Identity (``is``): the very same object."""
        note = None
        if self._actual is not expected and self._actual == expected:
            note = "(equal, but not the same object: use to_equal for equality)"
        self._check(self._actual is expected, f"the same object as {short_repr(expected)}", note=note)

    def to_be_truthy(self) -> None:
        self._check(bool(self._actual), "a truthy value")

    def to_be_falsy(self) -> None:
        self._check(not self._actual, "a falsy value")

    def to_be_none(self) -> None:
        self._check(self._actual is None, "None")

    def to_be_true(self) -> None:
        self._check(self._actual is True, "True")

    def to_be_false(self) -> None:
        self._check(self._actual is False, "False")

    # --- ordering ----------------------------------------------------------------

    def _compare(self, op: Callable[[Any, Any], bool], word: str, bound: object) -> None:
        try:
            ok = bool(op(self._actual, bound))
        except TypeError as exc:
            # Not comparable fails whether negated or not.
            note = f"(cannot compare: {exc})"
            Expectation(self._actual)._check(False, f"a value {word} {short_repr(bound)}", note=note)
            return
        self._check(ok, f"a value {word} {short_repr(bound)}")

    def to_be_greater_than(self, bound: object) -> None:
        self._compare(lambda a, b: a > b, ">", bound)

    def to_be_greater_than_or_equal(self, bound: object) -> None:
        self._compare(lambda a, b: a >= b, ">=", bound)

    def to_be_less_than(self, bound: object) -> None:
        self._compare(lambda a, b: a < b, "<", bound)

    def to_be_less_than_or_equal(self, bound: object) -> None:
        self._compare(lambda a, b: a <= b, "<=", bound)

    def to_be_close_to(self, expected: float, *, rel: float | None = None, abs: float | None = None) -> None:
        """Numbers equal within a tolerance (default: relative 1e-6, absolute 1e-12, as pytest.approx)."""
        rel_tol = 1e-6 if rel is None else rel
        abs_tol = 1e-12 if abs is None else abs
        if rel_tol < 0 or abs_tol < 0:
            raise ValueError("tolerances must not be negative")
        try:
            ok = math.isclose(self._actual, expected, rel_tol=rel_tol, abs_tol=abs_tol)  # type: ignore[arg-type]
        except TypeError:
            ok = False
        self._check(ok, f"{short_repr(expected)} ± {max(rel_tol * builtins_abs(expected), abs_tol):.3g}")

    # --- containers and text -------------------------------------------------------

    def to_contain(self, item: object) -> None:
        """``item in value``: a substring, a list element, a dict key."""
        try:
            ok = item in self._actual  # type: ignore[operator]
        except TypeError:
            ok = False
        self._check(ok, f"a value containing {short_repr(item)}")

    def to_have_length(self, length: int) -> None:
        if not isinstance(self._actual, Sized):
            self._check(False, f"a value of length {length}", note="(it has no length)")
            return
        n = len(self._actual)
        self._check(n == length, f"length {length}", received=f"length {n}: {short_repr(self._actual)}")

    def to_be_empty(self) -> None:
        ok = isinstance(self._actual, Sized) and len(self._actual) == 0
        self._check(ok, "an empty value")

    def to_match(self, pattern: str | re.Pattern[str]) -> None:
        """``re.search(pattern, value)`` finds a match."""
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
        ok = isinstance(self._actual, str) and regex.search(self._actual) is not None
        self._check(ok, f"a string matching /{regex.pattern}/")

    def to_start_with(self, prefix: str) -> None:
        ok = isinstance(self._actual, str) and self._actual.startswith(prefix)
        self._check(ok, f"a string starting with {short_repr(prefix)}")

    def to_end_with(self, suffix: str) -> None:
        ok = isinstance(self._actual, str) and self._actual.endswith(suffix)
        self._check(ok, f"a string ending with {short_repr(suffix)}")

    def to_be_instance_of(self, cls: type | tuple[type, ...]) -> None:
        names = " or ".join(c.__name__ for c in cls) if isinstance(cls, tuple) else cls.__name__
        self._check(
            isinstance(self._actual, cls),
            f"an instance of {names}",
            received=f"{type(self._actual).__name__}: {short_repr(self._actual)}",
        )

    def to_have_attribute(self, name: str, value: object = ...) -> None:
        has = hasattr(self._actual, name)
        if value is ... or not has:
            self._check(has, f"an object with attribute {name!r}")
        else:
            got = getattr(self._actual, name)
            wanted = f"attribute {name!r} == {short_repr(value)}"
            self._check(got == value, wanted, received=f"{name}={short_repr(got)}")

    # --- exceptions --------------------------------------------------------------

    def to_raise(self, exception: type[BaseException] = Exception, match: str | None = None) -> Any:
        """The callable (or coroutine) raises ``exception`` whose message matches ``match``.

        Sync: ``expect(lambda: parse("x")).to_raise(ValueError, match="invalid")``
        returns the exception. Async: ``await expect(fetch()).to_raise(...)`` or
        ``await expect(fetch).to_raise(...)`` with a coroutine function.
        """
        actual = self._actual
        if inspect.isawaitable(actual):
            return _AsyncRaise(self, actual, exception, match)
        if not callable(actual):
            raise TypeError(f"to_raise needs a callable or an awaitable, not {type(actual).__name__}")
        if inspect.iscoroutinefunction(actual):
            return _AsyncRaise(self, actual(), exception, match)
        try:
            result = actual()
        except BaseException as exc:  # noqa: BLE001 - any exception is the subject here
            self._judge_raised(exc, exception, match)
            return exc
        if inspect.isawaitable(result):
            return _AsyncRaise(self, result, exception, match)
        self._judge_raised(None, exception, match)
        return None

    def _judge_raised(self, exc: BaseException | None, expected: type[BaseException], match: str | None) -> None:
        wanted = expected.__name__ + (f" matching /{match}/" if match else "")
        if exc is None:
            self._check(False, f"{wanted} to be raised", received="no exception")
            return
        if not isinstance(exc, expected):
            if self._negated:
                return
            raise exc  # an unexpected exception is the test's failure, as is
        ok = match is None or re.search(match, str(exc)) is not None
        self._check(ok, f"{wanted} to be raised", received=f"{type(exc).__name__}({short_repr(str(exc))})")


def builtins_abs(x: Any) -> float:
    try:
        return float(abs(x))
    except (TypeError, ValueError):
        return 0.0


class _AsyncRaise(Awaitable[Any]):
    """The awaitable ``to_raise`` returns for coroutines."""

    def __init__(
        self, expectation: Expectation[Any], awaitable: Any, exception: type[BaseException], match: str | None
    ) -> None:
        self._expectation = expectation
        self._awaitable = awaitable
        self._exception = exception
        self._match = match

    def __await__(self) -> Generator[Any, None, BaseException | None]:
        try:
            yield from _as_generator(self._awaitable).__await__()
        except BaseException as exc:  # noqa: BLE001 - any exception is the subject here
            self._expectation._judge_raised(exc, self._exception, self._match)
            return exc
        self._expectation._judge_raised(None, self._exception, self._match)
        return None


async def _as_generator(awaitable: Any) -> Any:
    return await awaitable


def expect(actual: T) -> Expectation[T]:
    """Start an expectation on ``actual``: ``expect(x).to_equal(1)``."""
    return Expectation(actual)


class expect_all:
    """Collect every failed expectation in the block and raise them together."""

    def __init__(self) -> None:
        self._token: contextvars.Token[list[ExpectationFailed] | None] | None = None
        self._failures: list[ExpectationFailed] = []

    def __enter__(self) -> expect_all:
        self._token = _collector.set(self._failures)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self._token is not None
        _collector.reset(self._token)
        if exc_type is not None or not self._failures:
            return
        if len(self._failures) == 1:
            raise self._failures[0]
        n = len(self._failures)
        parts = [f"{n} expectations failed:"]
        for i, failure in enumerate(self._failures, 1):
            body = "\n".join("   " + line if line else "" for line in failure.report.splitlines())
            parts.append(f"\n{i})\n{body}")
        summary = f"{n} expectations failed; first: {self._failures[0].summary}"
        raise ExpectationFailed("\n".join(parts), summary, self._failures[0].location)

    async def __aenter__(self) -> expect_all:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)

    @property
    def failures(self) -> list[ExpectationFailed]:
        """The failures collected so far."""
        return list(self._failures)
