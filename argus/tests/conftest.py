from __future__ import annotations

from pathlib import Path

import pytest

from ouroboros.argus import Index

FIXTURES = Path(__file__).parent / "fixtures"
BASIC = (FIXTURES / "basic").resolve()


def pos(file: str, needle: str, nth: int = 0, delta: int = 0) -> tuple[Path, int, int]:
    """(path, line, column) of the nth occurrence of `needle` in a fixture file, 1-based."""
    path = BASIC / file
    text = path.read_text()
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    start += delta
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return path, line, column


def loc(file: str, needle: str, nth: int = 0, delta: int = 0) -> tuple[str, int, int]:
    path, line, column = pos(file, needle, nth, delta)
    return str(path), line, column


def as_loc(item: dict) -> tuple[str, int, int]:
    return item["path"], item["line"], item["column"]


@pytest.fixture(scope="session")
def index() -> Index:
    return Index(BASIC)
