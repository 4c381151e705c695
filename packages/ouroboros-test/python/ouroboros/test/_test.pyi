"""Type stubs of the Rust extension `ouroboros.test._test`."""

from collections.abc import Awaitable
from typing import Any, TypeVar

_T = TypeVar("_T")

__version__: str

def _selftest_raise(kind: str, detail: str = ...) -> None: ...
def _selftest_panic(message: str) -> None: ...
def _selftest_sleep(value: _T, delay_ms: int = ..., panic: bool = ...) -> Awaitable[_T]: ...
def _runtime_info() -> dict[str, Any]: ...
def run_session(
    paths: list[str],
    *,
    rootdir: str,
    worker_command: list[str],
    workers: int = 1,
    keyword: str | None = None,
    tags: str | None = None,
    last_failed: bool = False,
    max_fail: int = 0,
    default_timeout: float = 0.0,
    display: str = "plain",
    junit_xml: str | None = None,
    json_report: str | None = None,
    cache_dir: str | None = None,
    collect_only: bool = False,
    show_output: bool = False,
    color: bool = False,
) -> dict[str, Any]: ...
