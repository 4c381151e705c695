"""A scripted MCP session with the official `mcp` client over stdio."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from conftest import BASIC, pos
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from ouroboros.argus._daemon import Client

TOOLS = {"definition", "references", "hover", "type_at", "symbols", "diagnostics", "search"}


@pytest.fixture
def sock(tmp_path):
    path = tmp_path / "mcp.sock"
    yield path
    # The MCP server started a daemon for the project: stop it.
    deadline = time.monotonic() + 10
    while path.exists() and time.monotonic() < deadline:
        try:
            with Client(path) as c:
                c.call("shutdown")
        except OSError:
            time.sleep(0.05)


def params(sock):
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "ouroboros_argus", "mcp-server", "--root", str(BASIC), "--socket", str(sock)],
    )


def text(result) -> object:
    assert result.isError is False, result.content
    (content,) = result.content
    return json.loads(content.text)


@pytest.mark.asyncio
async def test_scripted_session(sock):
    async with stdio_client(params(sock)) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        assert init.serverInfo.name == "argus"
        assert init.protocolVersion
        assert init.capabilities.tools is not None

        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert set(tools) == TOOLS
        assert tools["definition"].inputSchema["required"] == ["path", "line", "column"]
        assert tools["search"].inputSchema["properties"]["query"]["type"] == "string"

        _, line, column = pos("app.py", "Round(1.5)")
        (target,) = text(await session.call_tool("definition", {"path": "app.py", "line": line, "column": column}))
        assert target["path"] == str(BASIC / "shapes" / "circle.py")
        assert (target["line"], target["column"]) == (6, 7)

        _, line, column = pos("app.py", "item.area", 0, 5)
        hover = text(await session.call_tool("hover", {"path": "app.py", "line": line, "column": column}))
        assert hover["text"] == "(method) def area(self) -> float\n\nThe area of the shape."

        _, line, column = pos("app.py", "found = ")
        found_type = text(await session.call_tool("type_at", {"path": "app.py", "line": line, "column": column}))
        assert found_type == "Shape | None"

        _, line, column = pos("services/registry.py", "def total", 0, 4)
        refs = text(
            await session.call_tool(
                "references",
                {"path": str(BASIC / "services/registry.py"), "line": line, "column": column},
            )
        )
        assert {(r["path"].rsplit("/", 1)[1], r["line"]) for r in refs} == {
            ("registry.py", line),
            ("app.py", pos("app.py", "total\n")[1]),
            ("app.py", pos("app.py", "total(registry)")[1]),
        }

        symbols = text(await session.call_tool("symbols", {"path": "shapes/circle.py"}))
        assert [s["name"] for s in symbols] == ["Circle", "__init__", "radius", "area", "grow"]

        hits = text(await session.call_tool("search", {"query": "regis", "limit": 2}))
        assert [h["name"] for h in hits] == ["Registry", "registry"]

        diags = text(await session.call_tool("diagnostics", {"path": "diags.py"}))
        assert len(diags) == 11
        assert all(d["path"] == str(BASIC / "diags.py") for d in diags)


@pytest.mark.asyncio
async def test_bad_tool_calls_are_errors_not_crashes(sock):
    async with stdio_client(params(sock)) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        bad = await session.call_tool("hover", {"path": "app.py", "line": 0, "column": 1})
        assert bad.isError is True
        missing = await session.call_tool("hover", {"path": "nowhere.py", "line": 1, "column": 1})
        assert missing.isError is True
        assert "not in the index" in missing.content[0].text
        unknown = await session.call_tool("explode", {})
        assert unknown.isError is True
        ok = await session.call_tool("search", {"query": "Shape"})
        assert text(ok)[0]["name"] == "Shape"


def test_mcp_prints_a_client_configuration():
    out = subprocess.run(
        [sys.executable, "-m", "ouroboros_argus", "mcp", "--root", str(BASIC)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    config = json.loads(out.stdout)
    server = config["mcpServers"]["argus"]
    assert server["args"][-3:] == ["mcp-server", "--root", str(BASIC)]
    assert server["command"]
