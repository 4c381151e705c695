"""Every wheel installed together (run by `nox -s matrix`)."""

import asyncio
import importlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ouroboros.core import InternalError, InvalidArgumentError, OuroborosError
from ouroboros.kit import compatibility_table

REPO = Path(__file__).resolve().parents[4]
MODULES = [n.removeprefix("ouroboros-") for n in compatibility_table() if n != "ouroboros-core"]


def native(short: str):
    return importlib.import_module(f"ouroboros.{short}._{short}")


def test_every_module_imports_in_one_interpreter():
    for short in MODULES:
        mod = importlib.import_module(f"ouroboros.{short}")
        assert mod.__version__ == native(short).__version__


@pytest.mark.parametrize("short", MODULES)
def test_errors_from_every_wheel_share_one_base_class(short):
    # Each wheel embeds its own copy of the Rust error model, yet raises the
    # single Python class defined in ouroboros.core.
    with pytest.raises(OuroborosError) as caught:
        native(short)._selftest_raise("invalid_argument", short)
    assert type(caught.value) is InvalidArgumentError
    assert str(caught.value) == f"invalid argument `detail`: {short}"
    with pytest.raises(InternalError, match=f"panic.*{short}"):
        native(short)._selftest_panic(f"panic in {short}")


def test_each_wheel_runs_its_own_runtime_on_one_event_loop():
    async def scenario():
        calls = [native(short)._selftest_sleep(short, 5) for short in MODULES]
        return await asyncio.gather(*calls)

    assert asyncio.run(scenario()) == MODULES


def test_a_panic_in_one_wheel_leaves_the_others_serving():
    async def scenario():
        first = MODULES[0]
        with pytest.raises(InternalError):
            await native(first)._selftest_sleep(None, 1, True)
        return await asyncio.gather(*(native(s)._selftest_sleep(s, 1) for s in MODULES))

    assert asyncio.run(scenario()) == MODULES


def _wheel(tmp_path: Path, files: dict[str, str]) -> Path:
    path = tmp_path / "ouroboros_bad-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def check(wheel: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "check_wheel.py"), str(wheel)], capture_output=True, text=True
    )


def test_build_check_rejects_a_wheel_with_namespace_init(tmp_path):
    bad = _wheel(tmp_path, {"ouroboros/__init__.py": "", "ouroboros/bad/__init__.py": "", "ouroboros/bad/py.typed": ""})
    result = check(bad)
    assert result.returncode == 1
    assert "contains ouroboros/__init__.py" in result.stderr


def test_build_check_requires_py_typed(tmp_path):
    result = check(_wheel(tmp_path, {"ouroboros/bad/__init__.py": ""}))
    assert result.returncode == 1
    assert "ouroboros/bad/ has no py.typed marker" in result.stderr


def test_build_check_accepts_the_real_wheels():
    wheels = sorted((REPO / "dist" / "ci").glob("ouroboros_*.whl"))
    assert len(wheels) == len(compatibility_table()) + 1  # + the kit
    for wheel in wheels:
        result = check(wheel)
        assert result.returncode == 0, (wheel.name, result.stderr)
