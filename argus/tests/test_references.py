"""Find references: exact sets across files, through imports, aliases and typed receivers."""

from __future__ import annotations

import pytest
from conftest import as_loc, loc, pos


def refs(index, file, needle, nth=0, delta=0, include_declaration=True):
    path, line, column = pos(file, needle, nth, delta)
    return {as_loc(r) for r in index.references(path, line, column, include_declaration=include_declaration)}


def test_class_references_across_files_and_aliases(index):
    got = refs(index, "shapes/circle.py", "class Circle", delta=6)
    assert got == {
        loc("shapes/circle.py", "class Circle", 0, 6),
        loc("shapes/circle.py", "Circle(self.radius"),
        loc("shapes/__init__.py", "Circle as Round"),
        loc("shapes/__init__.py", "Round\n"),
        loc("app.py", "Round, Shape"),
        loc("app.py", "Circle\n"),
        loc("app.py", "Circle(2.0)"),
        loc("app.py", "Round(1.5)"),
        loc("app.py", "Circle):"),
        loc("services/registry.py", "Round, Shape"),
        loc("services/registry.py", "Box[Round]", 0, 4),
        loc("services/registry.py", "Round(1.0)"),
        loc("diags.py", "Circle\n"),
        loc("diags.py", "Circle(1.0)"),
        loc("diags.py", "Circle.nope"),
        loc("diags.py", "Circle()"),
        loc("diags.py", "Circle(1.0, 2.0)"),
        loc("broken.py", "Circle\n"),
        loc("broken.py", "Circle(1.0)"),
    }


def test_references_from_an_alias_use_find_the_same_set(index):
    assert refs(index, "app.py", "Round(1.5)") == refs(index, "shapes/circle.py", "class Circle", delta=6)


def test_references_without_declaration(index):
    got = refs(index, "services/registry.py", "def total", delta=4, include_declaration=False)
    assert got == {loc("app.py", "total\n"), loc("app.py", "total(registry)")}


def test_method_references_through_typed_receivers(index):
    got = refs(index, "shapes/circle.py", "def grow", delta=4)
    assert got == {
        loc("shapes/circle.py", "def grow", 0, 4),
        loc("app.py", "inner.grow", 0, 6),
        loc("app.py", "c.grow", 0, 2),
        loc("diags.py", "c.grow(1.0", 0, 2),
        loc("diags.py", "c.grow(size", 0, 2),
    }


def test_overridden_method_references_stay_separate(index):
    base = refs(index, "shapes/base.py", "def area", delta=4)
    assert base == {
        loc("shapes/base.py", "def area", 0, 4),
        loc("shapes/base.py", "shape.area()", 0, 6),
        loc("app.py", "item.area", 0, 5),
    }


def test_instance_attribute_references(index):
    got = refs(index, "shapes/circle.py", "self.radius = radius", delta=5)
    assert got == {
        loc("shapes/circle.py", "self.radius = radius", 0, 5),
        loc("shapes/circle.py", "self.radius**2", 0, 5),
        loc("shapes/circle.py", "self.radius + by", 0, 5),
        loc("app.py", "value.radius", 0, 6),
        loc("diags.py", "c.radius", 0, 2),
        loc("broken.py", "value.radius", 0, 6),
    }


def test_function_alias_references(index):
    got = refs(index, "shapes/base.py", "def area_of", delta=4)
    assert got == {
        loc("shapes/base.py", "def area_of", 0, 4),
        loc("shapes/__init__.py", "area_of\n"),
        loc("services/registry.py", "area_of as"),
        loc("services/registry.py", "compute_area\n"),
        loc("services/registry.py", "compute_area(s)"),
    }


def test_local_variable_references(index):
    got = refs(index, "shapes/base.py", "text = ")
    assert got == {
        loc("shapes/base.py", "text = "),
        loc("shapes/base.py", "return text.upper", 0, 7),
        loc("shapes/base.py", "else text", 0, 5),
    }


def test_parameter_references_include_keyword_arguments(index):
    got = refs(index, "shapes/base.py", "upper: bool")
    assert got == {
        loc("shapes/base.py", "upper: bool"),
        loc("shapes/base.py", "if upper", 0, 3),
        loc("app.py", "upper=True"),
    }


def test_module_variable_references(index):
    got = refs(index, "app.py", "registry = ")
    assert got == {
        loc("app.py", "registry = "),
        loc("app.py", "registry.add"),
        loc("app.py", "registry.find"),
        loc("app.py", "registry.all"),
        loc("app.py", "total(registry)", 0, 6),
    }


def test_generic_method_references(index):
    got = refs(index, "services/registry.py", "def get", delta=4)
    assert got == {loc("services/registry.py", "def get", 0, 4), loc("app.py", "box.get", 0, 4)}


def test_property_references(index):
    got = refs(index, "shapes/base.py", "def label", delta=4)
    assert got == {loc("shapes/base.py", "def label", 0, 4), loc("app.py", "found.label", 0, 6)}


def test_references_on_nothing_are_empty(index):
    path, line, column = pos("app.py", "\n\nregistry", 0, 1)
    assert index.references(path, line, column) == []


@pytest.mark.parametrize(
    ("file", "needle", "delta"),
    [("shapes/base.py", "class Shape", 6), ("app.py", "Shape.count", 0), ("services/registry.py", "Shape]", 0)],
)
def test_shape_references_agree_from_every_site(index, file, needle, delta):
    assert refs(index, file, needle, delta=delta) == refs(index, "shapes/base.py", "class Shape", delta=6)
