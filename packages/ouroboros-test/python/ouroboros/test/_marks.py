# ruff: noqa: PT028 - `test` is the decorator, not a pytest test
"""Decorators that declare tests and their marks.

Marks live on the function in one ``__ob_marks__`` record, so decorators can
be stacked in any order (``@test`` above or below ``@parametrize``, ``@skip``,
``@tag``...).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Parametrization:
    names: list[str]
    values: list[tuple[Any, ...]]
    ids: list[str]


@dataclass
class Marks:
    is_test: bool = False
    name: str | None = None
    tags: set[str] = field(default_factory=set)
    timeout: float | None = None
    skip: str | None = None
    xfail: str | None = None
    xfail_strict: bool = False
    xfail_raises: type[BaseException] | tuple[type[BaseException], ...] | None = None
    params: list[Parametrization] = field(default_factory=list)


def marks_of(func: Any) -> Marks:
    """The marks record of ``func``, created on first use."""
    found = getattr(func, "__ob_marks__", None)
    if found is None:
        found = Marks()
        try:
            func.__ob_marks__ = found
        except AttributeError as exc:
            raise TypeError(f"cannot mark {func!r}: it takes no attributes") from exc
    return found


def _check_timeout(seconds: float | None) -> float | None:
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 1e7:
        raise ValueError(f"timeout must be a number of seconds between 0 and 1e7, not {seconds!r}")
    return float(seconds)


@overload
def test(func: F, /) -> F: ...
@overload
def test(
    *,
    name: str | None = None,
    tags: Iterable[str] = (),
    timeout: float | None = None,
    skip: str | None = None,
    xfail: str | None = None,
) -> Callable[[F], F]: ...
def test(
    func: Any = None,
    /,
    *,
    name: str | None = None,
    tags: Iterable[str] = (),
    timeout: float | None = None,
    skip: str | None = None,
    xfail: str | None = None,
) -> Any:
    """Mark a method of a :class:`TestSuite` as a test (sync or async).

    Usable bare (``@test``) or with options (``@test(timeout=2, tags=["db"])``).
    """
    timeout = _check_timeout(timeout)
    if isinstance(tags, str):
        tags = [tags]

    def mark(f: F) -> F:
        m = marks_of(f)
        m.is_test = True
        m.name = name or m.name
        m.tags.update(tags)
        if timeout is not None:
            m.timeout = timeout
        if skip is not None:
            m.skip = skip
        if xfail is not None:
            m.xfail = xfail
        return f

    if func is not None:
        if not callable(func):
            raise TypeError(f"@test decorates a function, not {func!r}")
        return mark(func)
    return mark


# pytest would otherwise collect the decorator itself, imported into a test module.
test.__test__ = False  # type: ignore[attr-defined]


def skip(reason: str = "skipped") -> Callable[[F], F]:
    """Never run the test; report it as skipped with ``reason``."""
    if callable(reason):
        raise TypeError("use @skip(reason): a reason is required")

    def mark(f: F) -> F:
        marks_of(f).skip = reason
        return f

    return mark


def skip_if(condition: bool, reason: str) -> Callable[[F], F]:
    """Skip the test when ``condition`` is true (decided at import time)."""

    def mark(f: F) -> F:
        if condition:
            marks_of(f).skip = reason
        return f

    return mark


def xfail(
    reason: str = "expected to fail",
    *,
    strict: bool = False,
    raises: type[BaseException] | tuple[type[BaseException], ...] | None = None,
) -> Callable[[F], F]:
    """The test is expected to fail. A pass is reported as xpassed (a failure when ``strict``)."""

    def mark(f: F) -> F:
        m = marks_of(f)
        m.xfail = reason
        m.xfail_strict = strict
        m.xfail_raises = raises
        return f

    return mark


def tag(*names: str) -> Callable[[F], F]:
    """Tags for selection: ``ob test --tag "db and not slow"``. Also on suites."""
    for n in names:
        if not isinstance(n, str) or not n or any(c.isspace() or c in "()" for c in n):
            raise ValueError(f"a tag is a non-empty word without spaces or parentheses, not {n!r}")

    def mark(obj: F) -> F:
        if isinstance(obj, type):
            obj.tags = (*getattr(obj, "tags", ()), *names)  # type: ignore[attr-defined]
        else:
            marks_of(obj).tags.update(names)
        return obj

    return mark


def timeout(seconds: float) -> Callable[[F], F]:
    """Fail the test when it runs longer than ``seconds``."""
    value = _check_timeout(seconds)

    def mark(f: F) -> F:
        marks_of(f).timeout = value
        return f

    return mark


def _param_id(value: Any, name: str, index: int) -> str:
    if value is None or isinstance(value, (bool, int, float)):
        return str(value)
    if isinstance(value, str) and len(value) <= 40 and value.isprintable():
        return value
    if isinstance(value, type):
        return value.__name__
    return f"{name}{index}"


def parametrize(
    argnames: str | Sequence[str], argvalues: Iterable[Any], *, ids: Sequence[str] | None = None
) -> Callable[[F], F]:
    """Run the test once per value (``"a, b"`` with tuples for several names).

    Stacked ``@parametrize`` decorators multiply, as in pytest.
    """
    names = [n.strip() for n in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
    names = [n for n in names if n]
    if not names:
        raise ValueError("parametrize needs at least one argument name")
    rows: list[tuple[Any, ...]] = []
    for value in argvalues:
        try:
            row = (value,) if len(names) == 1 else tuple(value)
        except TypeError:
            row = (value,)
        if len(row) != len(names):
            raise ValueError(f"parametrize: {value!r} does not give {len(names)} values for {', '.join(names)}")
        rows.append(row)
    if ids is not None:
        ids = list(ids)
        if len(ids) != len(rows):
            raise ValueError(f"parametrize: {len(ids)} ids for {len(rows)} values")
        made = [str(i) for i in ids]
    else:
        made = ["-".join(_param_id(v, n, i) for v, n in zip(row, names, strict=True)) for i, row in enumerate(rows)]
    # Equal ids get a numeric suffix so every test id is unique.
    seen: dict[str, int] = {}
    unique = []
    for i in made:
        if made.count(i) > 1:
            seen[i] = seen.get(i, -1) + 1
            unique.append(f"{i}{seen[i]}")
        else:
            unique.append(i)

    def mark(f: F) -> F:
        # Decorators apply bottom-up; insert first so ids read top-down.
        marks_of(f).params.insert(0, Parametrization(names, rows, unique))
        return f

    return mark


def expand(marks: Marks) -> list[tuple[str, dict[str, Any]]]:
    """(id suffix, keyword arguments) for every combination of parameters."""
    if not marks.params:
        return [("", {})]
    out = []
    for combo in itertools.product(*[list(zip(p.ids, p.values, strict=True)) for p in marks.params]):
        suffix = "-".join(i for i, _ in combo)
        kwargs: dict[str, Any] = {}
        for p, (_, row) in zip(marks.params, combo, strict=True):
            kwargs.update(zip(p.names, row, strict=True))
        out.append((f"[{suffix}]", kwargs))
    return out
