"""Bad input never breaks the index: syntax errors, binary and huge files, symlink loops,
files deleted while indexing, edits applied incrementally."""

from __future__ import annotations

import os
import threading

import pytest

from ouroboros.argus import Index


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_symlink_loop_is_indexed_once(tmp_path):
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "mod.py", "def f() -> int:\n    return 1\n")
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "again")
    os.symlink(tmp_path, tmp_path / "pkg" / "up")
    index = Index(tmp_path)
    assert index.stats()["project"] >= 2
    assert [s["name"] for s in index.document_symbols(tmp_path / "pkg" / "mod.py")] == ["f"]


def test_dangling_symlink_is_ignored(tmp_path):
    write(tmp_path / "a.py", "x = 1\n")
    os.symlink(tmp_path / "missing.py", tmp_path / "b.py")
    index = Index(tmp_path)
    assert index.diagnostics() == []


def test_huge_file_is_skipped_with_a_warning(tmp_path):
    big = tmp_path / "big.py"
    with big.open("w") as f:
        line = "x = 1  # " + "y" * 90 + "\n"
        for _ in range(9 * 1024 * 1024 // len(line)):
            f.write(line)
    write(tmp_path / "small.py", "import big\n")
    index = Index(tmp_path)
    (d,) = index.diagnostics(big)
    assert d["code"] == "file-skipped"
    assert "limit" in d["message"]
    assert index.diagnostics(tmp_path / "small.py") == []


def test_non_utf8_file_still_indexes(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"name = 'caf\xe9'\ndef f():\n    return name\n")
    index = Index(tmp_path)
    assert [s["name"] for s in index.document_symbols(tmp_path / "latin.py")] == ["name", "f"]


@pytest.mark.parametrize(
    "source",
    [
        "def f(:\n",
        "class A(\n",
        "x = [1, 2,\n",
        "if True\n    pass\n",
        "def g():\nreturn 1\n",
        "'unterminated\n",
        "lambda: (yield)\n",
        "@\n",
        "from . import\n",
        "import\n",
        "x: = 3\n",
        "f(**)\n",
        "match x:\n    case:\n",
        "\x0c\x0c\n",
        "async with a as (b, c):\n",
        "print(f'{x!z}')\n",
        "def h(a, a): pass\n",
        "del (a, b).c, [d]\n",
        "global x\nnonlocal y\n",
        "((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))\n",
    ],
)
def test_broken_sources_index_without_crashing(tmp_path, source):
    path = write(tmp_path / "m.py", source + "\ndef after() -> int:\n    return 1\n")
    index = Index(tmp_path)
    names = [s["name"] for s in index.document_symbols(path)]
    assert "after" in names
    index.diagnostics(path)
    for line in range(1, source.count("\n") + 3):
        index.hover(path, line, 1)
        index.references(path, line, 1)


def test_deeply_nested_expression_does_not_overflow(tmp_path):
    path = write(tmp_path / "deep.py", "x = " + "(" * 2000 + "1" + ")" * 2000 + "\ny = 2\n")
    index = Index(tmp_path)
    assert "y" in [s["name"] for s in index.document_symbols(path)]


def test_files_deleted_while_indexing(tmp_path):
    for i in range(300):
        write(tmp_path / f"m{i}.py", f"def f{i}() -> int:\n    return {i}\n")
    stop = threading.Event()

    def remove():
        i = 0
        while not stop.is_set() and i < 300:
            (tmp_path / f"m{i}.py").unlink(missing_ok=True)
            i += 3

    t = threading.Thread(target=remove)
    t.start()
    try:
        index = Index(tmp_path)
    finally:
        stop.set()
        t.join()
    assert index.stats()["project"] <= 300
    index.diagnostics()


def test_update_applies_an_edit(tmp_path):
    mod = write(tmp_path / "mod.py", "def old() -> int:\n    return 1\n")
    user = write(tmp_path / "user.py", "from mod import old\nold()\n")
    index = Index(tmp_path)
    assert index.diagnostics(user) == []
    write(mod, "def new() -> int:\n    return 1\n")
    assert index.update(mod) is True
    assert [d["code"] for d in index.diagnostics(user)] == ["unresolved-import"]
    assert [s["name"] for s in index.document_symbols(mod)] == ["new"]


def test_update_adds_and_removes_files(tmp_path):
    user = write(tmp_path / "user.py", "import extra\nextra.VALUE\n")
    index = Index(tmp_path)
    assert [d["code"] for d in index.diagnostics(user)] == ["unresolved-import"]
    extra = write(tmp_path / "extra.py", "VALUE = 1\n")
    assert index.update(extra) is True
    assert index.diagnostics(user) == []
    extra.unlink()
    assert index.update(extra) is True
    assert [d["code"] for d in index.diagnostics(user)] == ["unresolved-import"]
    with pytest.raises(ValueError, match="not in the index"):
        index.diagnostics(extra)


def test_update_of_unrelated_path_is_a_no_op(tmp_path):
    write(tmp_path / "a.py", "")
    index = Index(tmp_path)
    assert index.update(tmp_path / "notes.txt") is False
    assert index.update(tmp_path / "never.py") is False


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Index(tmp_path / "nope")


def test_no_root_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one project root"):
        Index()


def test_single_file_root(tmp_path):
    path = write(tmp_path / "script.py", "import os\nos.getcwd()\nos.nope\n")
    index = Index(path)
    assert [d["code"] for d in index.diagnostics()] == ["unknown-attribute"]


def test_namespace_packages_resolve(tmp_path):
    write(tmp_path / "ns" / "inner" / "mod.py", "class K:\n    pass\n")
    user = write(tmp_path / "user.py", "from ns.inner.mod import K\nimport ns.inner\nK()\n")
    index = Index(tmp_path)
    assert index.diagnostics(user) == []
    (target,) = index.definition(user, 3, 1)
    assert target["path"] == str(tmp_path / "ns" / "inner" / "mod.py")


def test_project_stub_wins_over_source(tmp_path):
    write(tmp_path / "lib.py", "def f(x):\n    return x\n")
    write(tmp_path / "lib.pyi", "def f(x: int) -> str: ...\n")
    user = write(tmp_path / "user.py", "from lib import f\nresult = f(1)\n")
    index = Index(tmp_path)
    assert index.type_at(user, 2, 1) == "str"
    (target,) = index.definition(user, 2, 10)
    assert target["path"].endswith("lib.pyi")


def test_venv_site_packages_resolve(tmp_path):
    site = tmp_path / "site"
    write(site / "thirdparty" / "__init__.py", "def helper() -> int:\n    return 1\n")
    user = write(tmp_path / "proj" / "user.py", "from thirdparty import helper\nvalue = helper()\n")
    index = Index(tmp_path / "proj", extra_paths=[site])
    assert index.type_at(user, 2, 1) == "int"
    assert index.diagnostics(user) == []


def test_relative_import_beyond_top_level(tmp_path):
    user = write(tmp_path / "user.py", "from .. import x\n")
    index = Index(tmp_path)
    (d,) = index.diagnostics(user)
    assert d["code"] == "unresolved-import"
    assert "`..`" in d["message"]


def test_concurrent_queries_and_updates(tmp_path):
    mod = write(tmp_path / "mod.py", "class A:\n    def m(self) -> int:\n        return 1\n")
    user = write(tmp_path / "user.py", "from mod import A\nA().m()\n")
    index = Index(tmp_path)
    errors = []

    def query():
        try:
            for _ in range(200):
                index.definition(user, 2, 5)
                index.hover(user, 2, 1)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=query) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(50):
        write(mod, f"class A:\n    def m(self) -> int:\n        return {i}\n")
        index.update(mod)
    for t in threads:
        t.join()
    assert errors == []
    (target,) = index.definition(user, 2, 5)
    assert (target["line"], target["column"]) == (2, 9)
