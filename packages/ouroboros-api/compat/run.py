"""FastAPI's own test suite, run against ouroboros.api.

    nox -s compat -- api     (or: python compat/run.py [--reuse-fastapi] [pytest args])

The fastapi sdist's tests (and the ``docs_src/`` its tutorial tests import) run
twice, on FastAPI and then through a shim that only renames ``fastapi`` ->
``ouroboros.api`` and, as validation's does, ``pydantic`` ->
``ouroboros.validation`` and ``pydantic_core`` -> ``ouroboros.validation.core``
(scripts/compat/compat_runner.py does the work).

Excluded: FastAPI's benchmarks (pytest-codspeed), its OpenTelemetry
integration tests, and the tests of its release and translation scripts.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts" / "compat"))
from compat_runner import Suite, main

SUITE = Suite(
    peer="fastapi",
    title="FastAPI",
    renames={
        "fastapi": "ouroboros.api",
        "pydantic": "ouroboros.validation",
        "pydantic_core": "ouroboros.validation.core",
    },
    reports="api-",
    excluded=[
        "tests/benchmarks",
        "tests/memory_benchmarks",
        "tests/test_telemetry",
        "tests/test_tutorial/test_opentelemetry",
        "tests/test_translate.py",
        "tests/test_prepare_release.py",
    ],
    test_timeout=20,  # FastAPI's own setting
    top_files=25,
)

if __name__ == "__main__":
    main(SUITE)
