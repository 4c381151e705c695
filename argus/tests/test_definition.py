"""Go to definition: exact target locations, through imports, aliases and typed receivers."""

from __future__ import annotations

import pytest
from conftest import BASIC, as_loc, loc, pos

# (file, needle, nth, delta) of the use -> (file, needle, nth, delta) of the definition's name.
CASES = [
    # names bound in the same file
    ("app.py", "registry.add", 0, 0, "app.py", "registry = ", 0, 0),
    ("app.py", "c.grow", 0, 0, "app.py", "c = Circle", 0, 0),
    ("app.py", "item.area", 0, 0, "app.py", "for item", 0, 4),
    # imports followed to the original definition
    ("app.py", "Registry()", 0, 0, "services/registry.py", "class Registry", 0, 6),
    ("app.py", "Circle(2.0)", 0, 0, "shapes/circle.py", "class Circle", 0, 6),
    ("app.py", "boxed_circle()", 0, 0, "services/registry.py", "def boxed_circle", 0, 4),
    ("app.py", "total(registry)", 0, 0, "services/registry.py", "def total", 0, 4),
    # an alias re-exported by a package __init__
    ("app.py", "Round(1.5)", 0, 0, "shapes/circle.py", "class Circle", 0, 6),
    ("services/registry.py", "Round(1.0)", 0, 0, "shapes/circle.py", "class Circle", 0, 6),
    # an alias of a function
    ("services/registry.py", "compute_area(s)", 0, 0, "shapes/base.py", "def area_of", 0, 4),
    # the imported name in the import statement itself
    ("app.py", "Round, Shape", 0, 0, "shapes/circle.py", "class Circle", 0, 6),
    ("app.py", "Shape\n", 0, 0, "shapes/base.py", "class Shape", 0, 6),
    # attributes of typed receivers
    ("app.py", "registry.add", 0, 9, "services/registry.py", "def add", 0, 4),
    ("app.py", "registry.find", 0, 9, "services/registry.py", "def find", 0, 4),
    ("app.py", "found.describe", 0, 6, "shapes/base.py", "def describe", 0, 4),
    ("app.py", "found.label", 0, 6, "shapes/base.py", "def label", 0, 4),
    ("app.py", "c.grow", 0, 2, "shapes/circle.py", "def grow", 0, 4),
    ("app.py", "inner.grow", 0, 6, "shapes/circle.py", "def grow", 0, 4),
    ("app.py", "box.get", 0, 4, "services/registry.py", "def get", 0, 4),
    ("app.py", "Shape.count", 0, 6, "shapes/base.py", "def count", 0, 4),
    ("app.py", "Shape.unit", 0, 6, "shapes/base.py", "def unit", 0, 4),
    ("app.py", "item.area", 0, 5, "shapes/base.py", "def area", 0, 4),
    ("app.py", "s.name for", 0, 2, "shapes/base.py", "self.name = name", 0, 5),
    ("app.py", "value.radius", 0, 6, "shapes/circle.py", "self.radius = radius", 0, 5),
    ("app.py", "shape.name", 0, 6, "shapes/base.py", "self.name = name", 0, 5),
    # module attributes
    ("app.py", "shapes.Shape(", 0, 7, "shapes/base.py", "class Shape", 0, 6),
    # inherited method through the MRO
    ("shapes/circle.py", "super().__init__", 0, 8, "shapes/base.py", "def __init__", 0, 4),
    # inside a class: self attributes and methods
    ("shapes/base.py", "self.name.title", 0, 5, "shapes/base.py", "self.name = name", 0, 5),
    ("shapes/base.py", "shape.area()", 0, 6, "shapes/base.py", "def area", 0, 4),
    ("shapes/circle.py", "self.radius**2", 0, 5, "shapes/circle.py", "self.radius = radius", 0, 5),
    ("shapes/circle.py", "Circle(self.radius", 0, 0, "shapes/circle.py", "class Circle", 0, 6),
    # parameters and locals
    ("shapes/base.py", "return text.upper", 0, 7, "shapes/base.py", "text = ", 0, 0),
    ("shapes/base.py", 'f"{prefix}', 0, 3, "shapes/base.py", "prefix: str", 0, 0),
    ("services/registry.py", "self.shapes.get(name)", 0, 16, "services/registry.py", "name: str) -> Optional", 0, 0),
    # keyword arguments go to the parameter
    ("app.py", "upper=True", 0, 0, "shapes/base.py", "upper: bool", 0, 0),
    # star import with __all__
    ("shapes/__init__.py", "square import", 0, 0, "shapes/square.py", "from shapes.base", 0, 0),
    # class-level attribute and a generic's method
    ("shapes/square.py", "sides = 4", 0, 0, "shapes/square.py", "sides = 4", 0, 0),
    ("services/registry.py", "self.item\n", 0, 5, "services/registry.py", "self.item = item", 0, 5),
]


@pytest.mark.parametrize(("file", "needle", "nth", "delta", "dfile", "dneedle", "dnth", "ddelta"), CASES)
def test_definition(index, file, needle, nth, delta, dfile, dneedle, dnth, ddelta):
    path, line, column = pos(file, needle, nth, delta)
    result = index.definition(path, line, column)
    assert [as_loc(r) for r in result] == [loc(dfile, dneedle, dnth, ddelta)]


def test_definition_of_module_import_goes_to_the_module_file(index):
    path, line, column = pos("app.py", "import shapes", 0, 7)
    (result,) = index.definition(path, line, column)
    assert result["path"] == str(BASIC / "shapes" / "__init__.py")
    assert (result["line"], result["column"]) == (1, 1)


def test_definition_of_submodule_segment(index):
    path, line, column = pos("app.py", "from shapes.circle", 0, 12)
    (result,) = index.definition(path, line, column)
    assert result["path"] == str(BASIC / "shapes" / "circle.py")


def test_definition_of_stdlib_name_lands_in_a_stub(index):
    path, line, column = pos("app.py", "os.path.join", 0, 8)
    (result,) = index.definition(path, line, column)
    assert result["path"].endswith(".pyi")
    assert "posixpath" in result["path"] or "os" in result["path"]


def test_definition_of_builtin_lands_in_typeshed_builtins(index):
    path, line, column = pos("app.py", "print(found.describe")
    (result,) = index.definition(path, line, column)
    assert result["path"].endswith("typeshed/stdlib/builtins.pyi")


def test_definition_on_whitespace_is_empty(index):
    path, line, column = pos("app.py", "\n\nregistry = ", 0, 1)
    assert index.definition(path, line, column) == []


def test_definition_at_a_definition_is_itself(index):
    path, line, column = pos("shapes/base.py", "class Shape", 0, 6)
    assert [as_loc(r) for r in index.definition(path, line, column)] == [(str(path), line, column)]


@pytest.mark.parametrize(("line", "column"), [(0, 1), (1, 0)])
def test_positions_are_one_based(index, line, column):
    with pytest.raises(ValueError, match="1-based"):
        index.definition(BASIC / "app.py", line, column)


def test_position_past_the_end_is_a_clear_error(index):
    with pytest.raises(ValueError, match="past the end"):
        index.definition(BASIC / "app.py", 10_000, 1)


def test_unknown_file_is_a_clear_error(index, tmp_path):
    with pytest.raises(ValueError, match="not in the index"):
        index.definition(tmp_path / "nope.py", 1, 1)


def test_negative_line_is_rejected_before_rust(index):
    with pytest.raises(OverflowError):
        index.definition(BASIC / "app.py", -1, 1)
