"""type_at: inference from annotations, assignments, returns, literals, calls, attributes; narrowing."""

from __future__ import annotations

import pytest
from conftest import pos

CASES = [
    # literals and displays
    ("app.py", "registry = ", 0, 0, "Registry"),
    ("app.py", "c = Circle", 0, 0, "Circle"),
    ("app.py", "bigger = ", 0, 0, "Circle"),
    ("app.py", "r = Round", 0, 0, "Circle"),
    ("app.py", "count = ", 0, 0, "int"),
    ("app.py", "unit = ", 0, 0, "Shape"),
    ("app.py", "items = ", 0, 0, "list[Shape]"),
    ("app.py", "for item", 0, 4, "Shape"),
    ("app.py", "found = ", 0, 0, "Shape | None"),
    ("app.py", "box = ", 0, 0, "Box[Circle]"),
    ("app.py", "inner = ", 0, 0, "Circle"),
    ("app.py", "joined = ", 0, 0, "str"),
    ("app.py", "module_shape = ", 0, 0, "Shape"),
    ("app.py", "names = ", 0, 0, "list[str]"),
    # narrowing
    ("app.py", "print(found.describe", 0, 6, "Shape"),
    ("app.py", '"missing", found', 0, 11, "None"),
    ("app.py", "found is None", 0, 0, "Shape | None"),
    ("app.py", "print(found.label)", 0, 6, "Shape"),
    ("app.py", "value.radius", 0, 0, "Circle"),
    ("app.py", "return shape.name", 0, 7, "Shape"),
    ("app.py", "shape: Shape | None", 0, 0, "Shape | None"),
    # attributes
    ("app.py", "value.radius", 0, 6, "float"),
    ("app.py", "found.label", 0, 6, "str"),
    ("app.py", "s.name for", 0, 2, "str"),
    ("app.py", "registry.add", 0, 9, "def add(self, shape: Shape) -> Shape"),
    ("app.py", "import shapes", 0, 7, "module[shapes]"),
    ("app.py", "Shape\n", 0, 0, "type[Shape]"),
    ("app.py", "osp.basename", 0, 0, "module[os.path]"),
    # inside the fixtures
    ("shapes/base.py", "text = ", 0, 0, "str"),
    ("shapes/base.py", "self.parent", 0, 5, "Shape | None"),
    ("shapes/base.py", "return cls(", 0, 7, "type[Shape]"),
    ("shapes/base.py", "return len", 0, 7, "def len(obj: Sized, /) -> int"),
    ("shapes/circle.py", "math.pi", 0, 5, "float"),
    ("shapes/circle.py", "self.radius = radius", 0, 5, "float"),
    ("services/registry.py", "self.shapes: dict", 0, 5, "dict[str, Shape]"),
    (
        "services/registry.py",
        "return self.shapes.get",
        0,
        19,
        "def get(self, key: _KT, default: None = None, /) -> _VT | None",
    ),
    ("services/registry.py", "self.item = item", 0, 12, "Unknown"),
    ("services/registry.py", "s in registry", 0, 0, "Shape"),
]


@pytest.mark.parametrize(("file", "needle", "nth", "delta", "expected"), CASES)
def test_type_at(index, file, needle, nth, delta, expected):
    path, line, column = pos(file, needle, nth, delta)
    assert index.type_at(path, line, column) == expected


def test_type_at_nothing_is_none(index):
    path, line, column = pos("app.py", "\n\nregistry", 0, 1)
    assert index.type_at(path, line, column) is None
