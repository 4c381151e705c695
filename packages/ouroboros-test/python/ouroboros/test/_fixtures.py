"""Fixtures: values a test asks for by parameter name.

A fixture is a function (sync, async, generator or async generator) marked
with ``@fixture``; its own parameters are fixtures too. Where a name is looked
up, first match wins: a fixture method of the suite, a fixture of the test's
module, one of a ``conftest.py`` in the test's folder or above, a builtin
(``tmp_path``). Scopes: ``test`` (a fresh value per test), ``suite`` (one per
suite run), ``session`` (one per worker process). Code after a generator
fixture's ``yield`` runs when its scope ends, last created first.
"""

from __future__ import annotations

import inspect
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])

SCOPES = ("test", "suite", "session")
_RANK = {name: i for i, name in enumerate(SCOPES)}


class FixtureError(Exception):
    """A fixture is unknown, or asks for one of a narrower scope, or loops."""


@dataclass(frozen=True)
class FixtureDef:
    name: str
    func: Callable[..., Any]
    scope: str
    #: A method of the suite (called on the suite instance).
    is_method: bool = False

    @property
    def params(self) -> list[str]:
        sig = inspect.signature(self.func)
        names = [p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        return names[1:] if self.is_method else names


@overload
def fixture(func: F, /) -> F: ...
@overload
def fixture(*, scope: str = "test", name: str | None = None) -> Callable[[F], F]: ...
def fixture(func: Any = None, /, *, scope: str = "test", name: str | None = None) -> Any:
    """Declare a fixture: ``@fixture`` or ``@fixture(scope="suite")``."""
    if scope not in SCOPES:
        raise ValueError(f"fixture scope must be one of {', '.join(SCOPES)}, not {scope!r}")

    def mark(f: F) -> F:
        f.__ob_fixture__ = (name or f.__name__, scope)  # type: ignore[attr-defined]
        return f

    return mark(func) if func is not None else mark


def fixture_spec(obj: Any) -> tuple[str, str] | None:
    spec = getattr(obj, "__ob_fixture__", None)
    return spec if isinstance(spec, tuple) else None


def module_fixtures(namespace: dict[str, Any]) -> dict[str, FixtureDef]:
    """Fixtures declared at the top level of a module."""
    found = {}
    for obj in namespace.values():
        spec = fixture_spec(obj)
        if spec and callable(obj) and not isinstance(obj, type):
            found[spec[0]] = FixtureDef(spec[0], obj, spec[1])
    return found


def suite_fixtures(cls: type) -> dict[str, FixtureDef]:
    """Fixture methods of a suite class (its bases' too)."""
    found: dict[str, FixtureDef] = {}
    for klass in reversed(cls.__mro__):
        for obj in vars(klass).values():
            spec = fixture_spec(obj)
            if spec:
                found[spec[0]] = FixtureDef(spec[0], obj, spec[1], is_method=True)
    return found


@dataclass
class ScopeCache:
    """Values of one scope and the teardowns to run when it ends."""

    values: dict[str, Any] = field(default_factory=dict)
    finalizers: list[Callable[[], Any]] = field(default_factory=list)

    async def close(self) -> None:
        """Run teardowns, last first; the first error is raised after all ran."""
        first: BaseException | None = None
        while self.finalizers:
            fin = self.finalizers.pop()
            try:
                result = fin()
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # noqa: BLE001 - every teardown must run
                first = first or exc
        self.values.clear()
        if first is not None:
            raise first


def _tmp_path() -> Any:
    path = Path(tempfile.mkdtemp(prefix="ob-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


BUILTINS = {"tmp_path": FixtureDef("tmp_path", _tmp_path, "test")}


class Resolver:
    """Finds and builds fixture values for one test."""

    def __init__(
        self,
        lookup: Callable[[str], FixtureDef | None],
        instance: Any,
        caches: dict[str, ScopeCache],
    ) -> None:
        self._lookup = lookup
        self._instance = instance
        self._caches = caches

    async def get(self, name: str, requester_scope: str = "test", chain: tuple[str, ...] = ()) -> Any:
        if name in chain:
            raise FixtureError(f"fixtures depend on each other in a loop: {' -> '.join((*chain, name))}")
        fdef = self._lookup(name) or BUILTINS.get(name)
        if fdef is None:
            raise FixtureError(f"fixture {name!r} not found")
        if _RANK[fdef.scope] < _RANK[requester_scope]:
            raise FixtureError(
                f"fixture {name!r} (scope {fdef.scope}) is asked for by {chain[-1]!r} "
                f"(scope {requester_scope}); a fixture can only use fixtures of its scope or wider"
            )
        cache = self._caches[fdef.scope]
        if name in cache.values:
            return cache.values[name]
        kwargs = {}
        for dep in fdef.params:
            kwargs[dep] = await self.get(dep, fdef.scope, (*chain, name))
        func = fdef.func.__get__(self._instance) if fdef.is_method else fdef.func
        value: Any
        if inspect.isasyncgenfunction(fdef.func):
            agen = func(**kwargs)
            value = await agen.__anext__()
            cache.finalizers.append(lambda: _finish_async(agen, name))
        elif inspect.isgeneratorfunction(fdef.func):
            gen = func(**kwargs)
            value = next(gen)
            cache.finalizers.append(lambda: _finish_sync(gen, name))
        else:
            value = func(**kwargs)
            if inspect.isawaitable(value):
                value = await value
        cache.values[name] = value
        return value


def _finish_sync(gen: Any, name: str) -> None:
    try:
        next(gen)
    except StopIteration:
        return
    raise FixtureError(f"fixture {name!r} yields more than once")


async def _finish_async(agen: Any, name: str) -> None:
    try:
        await agen.__anext__()
    except StopAsyncIteration:
        return
    raise FixtureError(f"fixture {name!r} yields more than once")
