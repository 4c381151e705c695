"""A scripted LSP session over stdio: initialize, open, definition, hover, references, symbols, diagnostics."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BASIC, pos


class LspClient:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ouroboros_argus", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0
        self.notifications: list[dict] = []

    def send(self, msg: dict) -> None:
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self) -> dict:
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise EOFError("the LSP server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.proc.stdout.read(length))

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            msg = self.read()
            if msg.get("id") == rid and "method" not in msg:
                return msg
            self.notifications.append(msg)

    def notify(self, method: str, params: dict) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self) -> int:
        self.request("shutdown", {})
        self.notify("exit", {})
        code = self.proc.wait(timeout=30)
        self.proc.stdin.close()
        self.proc.stdout.close()
        return code


def uri(path: Path) -> str:
    return path.resolve().as_uri()


def at(file: str, needle: str, delta: int = 0) -> dict:
    path, line, column = pos(file, needle, 0, delta)
    return {"textDocument": {"uri": uri(path)}, "position": {"line": line - 1, "character": column - 1}}


@pytest.fixture(scope="module")
def lsp():
    client = LspClient()
    init = client.request("initialize", {"processId": None, "rootUri": uri(BASIC), "capabilities": {}})
    caps = init["result"]["capabilities"]
    assert caps["definitionProvider"] and caps["hoverProvider"] and caps["referencesProvider"]
    assert init["result"]["serverInfo"]["name"] == "argus"
    client.notify("initialized", {})
    yield client
    assert client.close() == 0


def test_definition(lsp):
    result = lsp.request("textDocument/definition", at("app.py", "Round(1.5)"))["result"]
    assert result == [
        {
            "uri": uri(BASIC / "shapes" / "circle.py"),
            "range": {"start": {"line": 5, "character": 6}, "end": {"line": 5, "character": 12}},
        }
    ]


def test_hover_is_markdown(lsp):
    result = lsp.request("textDocument/hover", at("app.py", "item.area", 5))["result"]
    assert result["contents"] == {
        "kind": "markdown",
        "value": "```python\n(method) def area(self) -> float\n```\n\nThe area of the shape.",
    }


def test_references(lsp):
    params = at("services/registry.py", "def total", 4) | {"context": {"includeDeclaration": False}}
    result = lsp.request("textDocument/references", params)["result"]
    assert sorted((r["uri"].rsplit("/", 1)[1], r["range"]["start"]["line"]) for r in result) == [
        ("app.py", pos("app.py", "total\n")[1] - 1),
        ("app.py", pos("app.py", "total(registry)")[1] - 1),
    ]


def test_symbols(lsp):
    doc = {"textDocument": {"uri": uri(BASIC / "shapes" / "circle.py")}}
    names = [s["name"] for s in lsp.request("textDocument/documentSymbol", doc)["result"]]
    assert names == ["Circle", "__init__", "radius", "area", "grow"]
    found = lsp.request("workspace/symbol", {"query": "Registry"})["result"]
    assert found[0]["name"] == "Registry"


def test_open_and_edit_publish_diagnostics(lsp, tmp_path):
    path = BASIC / "diags.py"
    text = path.read_text()
    lsp.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri(path), "languageId": "python", "version": 1, "text": text}}
    )
    lsp.request("workspace/symbol", {"query": "x"})  # a round trip: the notification has been sent by now
    published = [n for n in lsp.notifications if n.get("method") == "textDocument/publishDiagnostics"]
    assert published[-1]["params"]["uri"] == uri(path)
    assert len(published[-1]["params"]["diagnostics"]) == 11
    edited = text.replace("print(undefined_thing)\n", "")
    lsp.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri(path), "version": 2}, "contentChanges": [{"text": edited}]},
    )
    lsp.request("workspace/symbol", {"query": "x"})
    published = [n for n in lsp.notifications if n.get("method") == "textDocument/publishDiagnostics"]
    codes = [d["code"] for d in published[-1]["params"]["diagnostics"]]
    assert len(codes) == 10
    assert "undefined-name" not in codes
    # Closing goes back to the file on disk (unchanged).
    lsp.notify("textDocument/didClose", {"textDocument": {"uri": uri(path)}})
    lsp.request("workspace/symbol", {"query": "x"})
    result = lsp.request("textDocument/hover", at("diags.py", "undefined_thing"))["result"]
    assert result is None


def test_unknown_file_is_an_error_response_not_a_crash(lsp, tmp_path):
    params = {"textDocument": {"uri": uri(tmp_path / "nope.py")}, "position": {"line": 0, "character": 0}}
    reply = lsp.request("textDocument/definition", params)
    assert "error" in reply
    assert lsp.request("workspace/symbol", {"query": "Shape"})["result"][0]["name"] == "Shape"
