"""MRO-aware super(), mixins, functions stored on classes, attribute narrowing, unsaved buffers."""

from __future__ import annotations

from conftest import BASIC, as_loc, loc, pos


def test_super_follows_the_mro_of_the_instance_class(index):
    path, line, column = pos("mixins.py", "super().__init__(size", 0, 8)
    assert [as_loc(r) for r in index.definition(path, line, column)] == [
        loc("mixins.py", "def __init__(self, **kwargs)", 0, 4)
    ]


def test_super_type_is_shown(index):
    path, line, column = pos("mixins.py", "super().__init__(size")
    assert index.type_at(path, line, column) == "type[super]"


def test_mixins_and_cooperative_init_have_no_diagnostics(index):
    assert index.diagnostics(BASIC / "mixins.py") == []


def test_function_stored_on_a_class_binds_like_a_method(index):
    path, line, column = pos("mixins.py", "Router().db_for_read", 0, 9)
    assert index.type_at(path, line, column) == "def route(self, model, **hints)"
    assert [as_loc(r) for r in index.definition(path, line, column)] == [loc("mixins.py", "db_for_read =")]


def test_attribute_chain_narrowing(index):
    path, line, column = pos("mixins.py", "shape.parent.name", 0, 6)
    assert index.type_at(path, line, column) == "Shape"
    path, line, column = pos("mixins.py", "shape.parent is not None", 0, 6)
    assert index.type_at(path, line, column) == "Shape | None"
    path, line, column = pos("mixins.py", "shape.parent.name", 0, 13)
    assert index.type_at(path, line, column) == "str"


def test_class_variable_type(index):
    path, line, column = pos("mixins.py", 'prefix = "sized"')
    assert index.type_at(path, line, column) == "str"
    path, line, column = pos("mixins.py", "self.size = size", 0, 5)
    assert index.hover(path, line, column)["text"] == "(attribute) size: int"


def test_update_source_indexes_an_unsaved_buffer(tmp_path):
    from ouroboros.argus import Index

    mod = tmp_path / "mod.py"
    mod.write_text("def f() -> int:\n    return 1\n\nx = f()\n")
    index = Index(tmp_path)
    assert index.type_at(mod, 4, 1) == "int"
    assert index.update_source(mod, "def f() -> str:\n    return ''\n\nx = f()\n") is True
    assert index.type_at(mod, 4, 1) == "str"
    assert mod.read_text().startswith("def f() -> int")
    new = tmp_path / "unsaved.py"
    assert index.update_source(new, "from mod import f\ny = f()\n") is True
    assert index.type_at(new, 2, 1) == "str"
