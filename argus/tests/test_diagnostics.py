"""Diagnostics: unresolved imports, undefined names, unknown attributes, wrong arity, syntax errors."""

from __future__ import annotations

from conftest import BASIC, pos


def diag_set(index, file):
    return {(d["line"], d["column"], d["code"], d["message"]) for d in index.diagnostics(BASIC / file)}


def at(file, needle, nth=0, delta=0):
    _, line, column = pos(file, needle, nth, delta)
    return line, column


def test_diagnostics_of_diags_py_exactly(index):
    expected = {
        (*at("diags.py", "not_a_real_module"), "unresolved-import", "cannot resolve import `not_a_real_module`"),
        (*at("diags.py", "Missing"), "unresolved-import", "module `shapes` has no member `Missing`"),
        (*at("diags.py", "undefined_thing"), "undefined-name", "name `undefined_thing` is not defined"),
        (*at("diags.py", "c.diameter", 0, 2), "unknown-attribute", "`Circle` object has no attribute `diameter`"),
        (*at("diags.py", "Circle.nope", 0, 7), "unknown-attribute", "type object `Circle` has no attribute `nope`"),
        (
            *at("diags.py", "json.nothing_here", 0, 5),
            "unknown-attribute",
            "module `json` has no attribute `nothing_here`",
        ),
        (*at("diags.py", "Circle()"), "wrong-arity", "`__init__` is missing required argument `radius`"),
        (*at("diags.py", "Circle(1.0, 2.0)"), "wrong-arity", "`__init__` takes 1 positional argument but 2 were given"),
        (*at("diags.py", "c.grow(1.0, by"), "wrong-arity", "`grow` got multiple values for argument `by`"),
        (*at("diags.py", "c.grow(size"), "wrong-arity", "`grow` got an unexpected keyword argument `size`"),
        (*at("diags.py", "c.grow(size"), "wrong-arity", "`grow` is missing required argument `by`"),
    }
    assert diag_set(index, "diags.py") == expected


def test_clean_files_have_no_diagnostics(index):
    for file in ["app.py", "shapes/base.py", "shapes/circle.py", "shapes/square.py", "shapes/__init__.py"]:
        assert index.diagnostics(BASIC / file) == [], file
    assert index.diagnostics(BASIC / "services/registry.py") == []


def test_syntax_error_is_reported_and_the_rest_still_indexes(index):
    diags = index.diagnostics(BASIC / "broken.py")
    assert [d["code"] for d in diags] == ["syntax-error"] * len(diags)
    assert diags and diags[0]["line"] == 8
    # Definitions after the broken function are still indexed and resolve.
    path, line, column = pos("broken.py", "value.radius", 0, 6)
    (target,) = index.definition(path, line, column)
    assert target["path"].endswith("shapes/circle.py")
    path, line, column = pos("broken.py", "def good", 0, 4)
    assert index.hover(path, line, column)["text"] == "(function) def good(x: int) -> int"


def test_binary_file_is_skipped_with_a_warning(index):
    (d,) = index.diagnostics(BASIC / "binary.py")
    assert d["code"] == "file-skipped"
    assert d["severity"] == "warning"
    assert "binary" in d["message"]


def test_project_diagnostics_cover_every_file_sorted(index):
    diags = index.diagnostics()
    files = [d["path"] for d in diags]
    assert files == sorted(files)
    assert {f.rsplit("/", 1)[1] for f in files} == {"diags.py", "broken.py", "binary.py"}
    per_file = [d for d in diags if d["path"].endswith("diags.py")]
    assert len(per_file) == 11


def test_diagnostic_fields(index):
    (d,) = [d for d in index.diagnostics(BASIC / "diags.py") if d["code"] == "undefined-name"]
    line, column = at("diags.py", "undefined_thing")
    assert d == {
        "path": str(BASIC / "diags.py"),
        "line": line,
        "column": column,
        "end_line": line,
        "end_column": column + len("undefined_thing"),
        "severity": "error",
        "code": "undefined-name",
        "message": "name `undefined_thing` is not defined",
    }
