"""Hover: exact texts (signature or type, then the docstring)."""

from __future__ import annotations

import pytest
from conftest import pos

CASES = [
    ("app.py", "Registry()", 0, 0, "(class) class Registry\n\nKeeps shapes by name."),
    ("app.py", "Circle(2.0)", 0, 0, "(class) class Circle(Shape)\n\nA circle."),
    ("app.py", "Round(1.5)", 0, 0, "(class) class Circle(Shape)\n\nA circle."),
    ("app.py", "registry.add", 0, 9, "(method) def add(self, shape: Shape) -> Shape"),
    (
        "app.py",
        "found.describe",
        0,
        6,
        '(method) def describe(self, prefix: str = "", *, upper: bool = False) -> str',
    ),
    ("app.py", "found.label", 0, 6, "(property) label: str"),
    ("app.py", "item.area", 0, 5, "(method) def area(self) -> float\n\nThe area of the shape."),
    ("app.py", "total(registry)", 0, 0, "(function) def total(registry: Registry) -> float"),
    ("app.py", "registry = ", 0, 0, "(variable) registry: Registry"),
    ("app.py", "found = ", 0, 0, "(variable) found: Shape | None"),
    ("app.py", "print(found.describe", 0, 6, "(variable) found: Shape"),
    ("app.py", "value.radius", 0, 6, "(attribute) radius: float"),
    ("app.py", "import shapes", 0, 7, "(module) shapes\n\nShapes package."),
    ("app.py", "Shape.count", 0, 6, "(method) def count(*shapes: Shape) -> int"),
    ("app.py", "Shape.unit", 0, 6, "(method) def unit(cls) -> Shape"),
    ("shapes/base.py", "def area_of", 0, 4, "(function) def area_of(shape: Shape) -> float\n\nArea of any shape."),
    ("shapes/base.py", "class Shape", 0, 6, "(class) class Shape\n\nA shape with a name."),
    ("shapes/base.py", "sides: int", 0, 0, "(variable) sides: int"),
    ("shapes/base.py", "name: str) -> None", 0, 0, "(parameter) name: str"),
    ("services/registry.py", "def boxed_circle", 0, 4, "(function) def boxed_circle() -> Box[Round]"),
    ("services/registry.py", "class Box", 0, 6, "(class) class Box(Generic[T])"),
]


@pytest.mark.parametrize(("file", "needle", "nth", "delta", "expected"), CASES)
def test_hover_text(index, file, needle, nth, delta, expected):
    path, line, column = pos(file, needle, nth, delta)
    assert index.hover(path, line, column)["text"] == expected


def test_hover_fields(index):
    path, line, column = pos("app.py", "item.area", 0, 5)
    h = index.hover(path, line, column)
    assert h["kind"] == "method"
    assert h["doc"] == "The area of the shape."
    assert h["type"] == "def area(self) -> float"
    assert h["location"]["path"].endswith("shapes/base.py")


def test_hover_builtin_has_typeshed_doc_and_signature(index):
    path, line, column = pos("shapes/base.py", "return len", 0, 7)
    h = index.hover(path, line, column)
    assert h["text"].startswith("(function) def len(obj: Sized, /) -> int")


def test_hover_nothing_is_none(index):
    path, line, column = pos("app.py", "\n\nregistry", 0, 1)
    assert index.hover(path, line, column) is None
