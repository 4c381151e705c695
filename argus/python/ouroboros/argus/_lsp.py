"""`ob argus lsp`: the Language Server Protocol over stdio, for editors.

The protocol (framing, lifecycle, capabilities, document sync) is pygls's;
this module maps its requests onto the same `Index` queries the daemon and the
MCP server answer. Open and edited documents are re-indexed from the editor's
text (full sync), saved ones from disk, and diagnostics are published on each.

Positions: LSP lines and characters are 0-based and Argus's 1-based; columns
are counted in characters, which equals LSP's UTF-16 units except after
characters outside the Basic Multilingual Plane.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls import uris
from pygls.lsp.server import LanguageServer

from ouroboros.argus import __version__
from ouroboros.argus._index import Index

_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
_SYMBOL_KIND = {
    "class": types.SymbolKind.Class,
    "function": types.SymbolKind.Function,
    "method": types.SymbolKind.Method,
    "variable": types.SymbolKind.Variable,
    "attribute": types.SymbolKind.Field,
}


class ArgusLanguageServer(LanguageServer):
    """A pygls server holding one Argus index of the workspace."""

    def __init__(self) -> None:
        super().__init__("argus", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self._index: Index | None = None

    @property
    def index(self) -> Index:
        if self._index is None:
            root = self.workspace.root_path or "."
            self._index = Index(root)
        return self._index


def _path(uri: str) -> str:
    path = uris.to_fs_path(uri)
    if path is None:
        raise ValueError(f"not a file URI: {uri}")
    return str(Path(path).resolve())


def _location(loc: dict[str, Any]) -> types.Location:
    return types.Location(
        uri=uris.from_fs_path(loc["path"]) or loc["path"],
        range=types.Range(
            start=types.Position(line=loc["line"] - 1, character=loc["column"] - 1),
            end=types.Position(line=loc["end_line"] - 1, character=loc["end_column"] - 1),
        ),
    )


def _args(params: types.TextDocumentPositionParams) -> tuple[str, int, int]:
    return _path(params.text_document.uri), params.position.line + 1, params.position.character + 1


def _known(ls: ArgusLanguageServer, path: str) -> bool:
    try:
        ls.index.document_symbols(path)
    except ValueError:
        return False
    return True


def build_server() -> ArgusLanguageServer:
    server = ArgusLanguageServer()

    def publish(ls: ArgusLanguageServer, uri: str) -> None:
        path = _path(uri)
        if not _known(ls, path):
            return
        diagnostics = [
            types.Diagnostic(
                range=types.Range(
                    start=types.Position(line=d["line"] - 1, character=d["column"] - 1),
                    end=types.Position(line=d["end_line"] - 1, character=d["end_column"] - 1),
                ),
                severity=_SEVERITY.get(d["severity"], types.DiagnosticSeverity.Information),
                code=d["code"],
                source="argus",
                message=d["message"],
            )
            for d in ls.index.diagnostics(path)
        ]
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ArgusLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.index.update_source(_path(params.text_document.uri), params.text_document.text)
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ArgusLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        document = ls.workspace.get_text_document(params.text_document.uri)
        ls.index.update_source(_path(params.text_document.uri), document.source)
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ArgusLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.index.update(_path(params.text_document.uri))
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ArgusLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        # Back to what is on disk (or out of the index if it was never saved).
        ls.index.update(_path(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: ArgusLanguageServer, params: types.DefinitionParams) -> list[types.Location]:
        return [_location(loc) for loc in ls.index.definition(*_args(params))]

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: ArgusLanguageServer, params: types.ReferenceParams) -> list[types.Location]:
        found = ls.index.references(*_args(params), include_declaration=params.context.include_declaration)
        return [_location(loc) for loc in found]

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: ArgusLanguageServer, params: types.HoverParams) -> types.Hover | None:
        found = ls.index.hover(*_args(params))
        if found is None:
            return None
        head, _, doc = found["text"].partition("\n\n")
        value = f"```python\n{head}\n```" + (f"\n\n{doc}" if doc else "")
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value))

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbols(ls: ArgusLanguageServer, params: types.DocumentSymbolParams) -> list[types.SymbolInformation]:
        return [
            types.SymbolInformation(
                name=s["name"],
                kind=_SYMBOL_KIND.get(s["kind"], types.SymbolKind.Variable),
                location=_location(s["location"]),
                container_name=s["container"],
            )
            for s in ls.index.document_symbols(_path(params.text_document.uri))
        ]

    @server.feature(types.WORKSPACE_SYMBOL)
    def workspace_symbols(
        ls: ArgusLanguageServer, params: types.WorkspaceSymbolParams
    ) -> list[types.SymbolInformation]:
        return [
            types.SymbolInformation(
                name=s["name"],
                kind=_SYMBOL_KIND.get(s["kind"], types.SymbolKind.Variable),
                location=_location(s["location"]),
                container_name=s["container"],
            )
            for s in ls.index.workspace_symbols(params.query, limit=200)
        ]

    return server


def run() -> int:
    build_server().start_io()
    return 0
