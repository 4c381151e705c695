"""`Index`: a live, type-aware index of a Python project."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ouroboros.argus._argus import NativeIndex
from ouroboros.argus._paths import find_python, search_paths

StrPath = str | os.PathLike[str]


class Index:
    """An index of the Python files under ``roots`` and the modules they import.

    Positions are 1-based line and column (counted in characters). Results are
    plain dicts and lists, ready for JSON. Every query releases the GIL.

    Args:
        roots: project folders (or single files); each is a source root, so
            ``root/pkg/mod.py`` is the module ``pkg.mod``.
        python: interpreter whose site-packages and stdlib resolve imports;
            default: the project's ``.venv`` if present, else this interpreter.
        extra_paths: more folders searched before site-packages.
        watch: keep the index current as files change (inotify).
    """

    def __init__(
        self,
        *roots: StrPath,
        python: str | None = None,
        extra_paths: list[StrPath] | None = None,
        watch: bool = False,
    ) -> None:
        if not roots:
            raise ValueError("Index needs at least one project root")
        self.roots = [Path(r).resolve() for r in roots]
        for root in self.roots:
            if not root.exists():
                raise FileNotFoundError(f"project root does not exist: {root}")
        python = python or find_python(self.roots[0])
        paths = [Path(p).resolve() for p in extra_paths or []]
        self.search_paths = [*paths, *search_paths(python)]
        self._native = NativeIndex([str(r) for r in self.roots], [str(p) for p in self.search_paths])
        if watch:
            self._native.watch()

    @staticmethod
    def _path(path: StrPath) -> str:
        return str(Path(path).resolve())

    def definition(self, path: StrPath, line: int, column: int) -> list[dict[str, Any]]:
        """Where the name at the position is defined (imports followed)."""
        return json.loads(self._native.definition(self._path(path), line, column))

    def references(
        self, path: StrPath, line: int, column: int, *, include_declaration: bool = True
    ) -> list[dict[str, Any]]:
        """Every use of what is at the position, across the project's files."""
        return json.loads(self._native.references(self._path(path), line, column, include_declaration))

    def hover(self, path: StrPath, line: int, column: int) -> dict[str, Any] | None:
        """Signature or type and docstring of what is at the position."""
        return json.loads(self._native.hover(self._path(path), line, column))

    def type_at(self, path: StrPath, line: int, column: int) -> str | None:
        """The inferred type of the name or attribute at the position."""
        return json.loads(self._native.type_at(self._path(path), line, column))

    def document_symbols(self, path: StrPath) -> list[dict[str, Any]]:
        """Classes, functions, methods and module/class variables of one file."""
        return json.loads(self._native.document_symbols(self._path(path)))

    def workspace_symbols(self, query: str, limit: int = 100) -> list[dict[str, Any]]:
        """Project symbols whose name contains ``query`` (case-insensitive), best first."""
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        return json.loads(self._native.workspace_symbols(query, limit))

    def diagnostics(self, path: StrPath | None = None) -> list[dict[str, Any]]:
        """Problems in one file, or in every project file."""
        return json.loads(self._native.diagnostics(None if path is None else self._path(path)))

    def update(self, path: StrPath) -> bool:
        """Re-index one file now (changed, created or deleted)."""
        return self._native.update(self._path(path))

    def update_source(self, path: StrPath, source: str) -> bool:
        """Re-index one file from text not yet saved (an editor's buffer)."""
        return self._native.update_source(self._path(path), source)

    def stats(self) -> dict[str, Any]:
        """Counts of indexed files and applied updates."""
        return json.loads(self._native.stats())

    def watch(self) -> None:
        """Start re-indexing files as they change on disk."""
        self._native.watch()

    def unwatch(self) -> None:
        self._native.unwatch()
