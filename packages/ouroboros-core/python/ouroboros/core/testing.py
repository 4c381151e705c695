"""Checks every ouroboros package runs against its own Rust extension.

Each wheel embeds its own copy of the shared Rust crate, so the contract
"errors are ``OuroborosError`` subclasses, panics are exceptions, the async
bridge works" must be proved inside every wheel, not once. Packages call
:func:`native_contract_checks` from their test suite.
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from types import ModuleType

from ouroboros.core._errors import (
    InternalError,
    InvalidArgumentError,
    OuroborosError,
    OuroborosIOError,
    OuroborosTimeoutError,
    RuntimeUnavailableError,
)


def _native(module: str) -> ModuleType:
    return importlib.import_module(f"{module}._{module.rsplit('.', 1)[1]}")


def _expect(exc_type: type[BaseException], fn: Callable[[], object]) -> BaseException:
    try:
        fn()
    except BaseException as exc:
        if not isinstance(exc, exc_type):
            raise AssertionError(f"expected {exc_type.__name__}, got {exc!r}") from exc
        return exc
    raise AssertionError(f"expected {exc_type.__name__}, nothing was raised")


def check_version(module: str, distribution: str) -> None:
    """``__version__`` of module and native part equal the installed wheel's."""
    mod = importlib.import_module(module)
    native = _native(module)
    installed = metadata.version(distribution)
    assert mod.__version__ == installed, (mod.__version__, installed)
    assert native.__version__ == installed, (native.__version__, installed)


def check_errors(module: str) -> None:
    """Each Rust error kind arrives as the one shared exception class."""
    native = _native(module)
    cases = {
        "invalid_argument": (InvalidArgumentError, ValueError, "invalid argument `detail`: d1"),
        "timeout": (OuroborosTimeoutError, TimeoutError, "d2 timed out after 5ms"),
        "io": (OuroborosIOError, OSError, "d3: No such file or directory"),
        "runtime": (RuntimeUnavailableError, RuntimeError, "runtime is unavailable: d4"),
    }
    for i, (kind, (cls, builtin, text)) in enumerate(cases.items(), start=1):
        exc = _expect(cls, lambda k=kind, n=i: native._selftest_raise(k, f"d{n}"))
        assert isinstance(exc, OuroborosError) and isinstance(exc, builtin)
        assert text in str(exc), (kind, str(exc))
        if kind == "io":
            assert isinstance(exc, OSError) and exc.errno == errno.ENOENT
    exc = _expect(InvalidArgumentError, lambda: native._selftest_raise("nonsense"))
    assert 'unknown self-test error kind "nonsense"' in str(exc)


def check_panics(module: str) -> None:
    """A Rust panic, sync or async, becomes ``InternalError``; the process lives."""
    native = _native(module)
    exc = _expect(InternalError, lambda: native._selftest_panic("sync boom"))
    assert "sync boom" in str(exc) and "bug in ouroboros" in str(exc)

    async def scenario() -> None:
        assert await native._selftest_sleep({"v": 1}, 1) == {"v": 1}
        try:
            await native._selftest_sleep(None, 1, True)
        except InternalError as async_exc:
            assert "panic requested after 1 ms" in str(async_exc)
        else:
            raise AssertionError("async panic did not raise InternalError")
        # The runtime survived the panic and keeps serving.
        results = await asyncio.gather(*(native._selftest_sleep(i, 2) for i in range(50)))
        assert results == list(range(50))

    asyncio.run(scenario())


def check_cancel(module: str) -> None:
    """Cancelling an awaitable stops its Rust task; the loop keeps serving."""
    native = _native(module)

    async def scenario() -> None:
        def running() -> int:
            return native._runtime_info()["bridge_tasks"]

        # Hour-long sleeps: only cancellation can end them within the test.
        pending = [asyncio.ensure_future(native._selftest_sleep(i, 3_600_000)) for i in range(20)]
        await asyncio.sleep(0)
        peak = running()
        assert peak >= 20, peak
        try:
            await asyncio.wait_for(native._selftest_sleep("slow", 3_600_000), 0.01)
        except TimeoutError:
            pass
        else:
            raise AssertionError("wait_for did not time out")
        for task in pending:
            task.cancel()
        results = await asyncio.gather(*pending, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results), results
        # Aborted tasks drop their futures (abort is asynchronous: poll).
        for _ in range(500):
            if running() <= peak - 20:
                break
            await asyncio.sleep(0.01)
        assert running() <= peak - 20, (peak, running())
        assert await native._selftest_sleep("after", 1) == "after"

    asyncio.run(scenario())


def check_exit(module: str, runs: int = 8) -> None:
    """A program whose last line awaits a Rust future exits cleanly, every time.

    A tokio thread inside Python while the interpreter finalizes aborts the
    process; the bridge must never leave one there.
    """
    native = f"{module}._{module.rsplit('.', 1)[1]}"
    program = (
        f"import asyncio, {native} as n\n"
        "async def main():\n"
        "    await asyncio.gather(*(n._selftest_sleep(i, 0) for i in range(200)))\n"
        "    return await n._selftest_sleep('last', 0)\n"
        "print(asyncio.run(main()))\n"
    )
    for attempt in range(runs):
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout.strip()) == (0, "last"), (attempt, done.returncode, done.stderr[-2000:])


def check_runtime(module: str) -> None:
    """The wheel reports its own native runtime."""
    info = _native(module)._runtime_info()
    assert info["worker_threads"] >= 1
    assert isinstance(info["common_version"], str)


def native_contract_checks(module: str, distribution: str) -> dict[str, Callable[[], None]]:
    """The contract checks for one package, by name, ready to parametrize."""
    return {
        "version": lambda: check_version(module, distribution),
        "errors": lambda: check_errors(module),
        "panics": lambda: check_panics(module),
        "cancel": lambda: check_cancel(module),
        "exit": lambda: check_exit(module),
        "runtime": lambda: check_runtime(module),
    }
