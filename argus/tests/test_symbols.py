"""Document and workspace symbols."""

from __future__ import annotations

from conftest import BASIC, pos


def test_document_symbols_of_base(index):
    syms = index.document_symbols(BASIC / "shapes/base.py")
    got = [(s["name"], s["kind"], s["container"]) for s in syms]
    assert got == [
        ("Shape", "class", None),
        ("sides", "variable", "Shape"),
        ("__init__", "method", "Shape"),
        ("name", "attribute", "Shape"),
        ("parent", "attribute", "Shape"),
        ("area", "method", "Shape"),
        ("describe", "method", "Shape"),
        ("label", "method", "Shape"),
        ("unit", "method", "Shape"),
        ("count", "method", "Shape"),
        ("area_of", "function", None),
    ]


def test_document_symbol_location_and_detail(index):
    (sym,) = [s for s in index.document_symbols(BASIC / "shapes/base.py") if s["name"] == "area_of"]
    _, line, column = pos("shapes/base.py", "def area_of", 0, 4)
    assert (sym["location"]["line"], sym["location"]["column"]) == (line, column)
    assert sym["detail"] == "def area_of(shape: Shape) -> float"


def test_workspace_symbols_rank_exact_first(index):
    names = [(s["name"], s["kind"]) for s in index.workspace_symbols("shape")]
    assert names[0] == ("Shape", "class")
    assert ("area_of", "function") not in names
    assert ("module_shape", "variable") in names


def test_workspace_symbols_limit_and_case(index):
    assert [s["name"] for s in index.workspace_symbols("REGISTRY", limit=1)] == ["Registry"]
    assert index.workspace_symbols("no_such_symbol_anywhere") == []


def test_workspace_symbols_skip_dependencies(index):
    assert all("typeshed" not in s["location"]["path"] for s in index.workspace_symbols("join"))
