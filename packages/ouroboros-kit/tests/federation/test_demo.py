"""The demo app of the README's first command, served for real."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    port = free_port()
    access_log = (tmp_path_factory.mktemp("demo") / "access.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "docs" / "demo" / "app.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=access_log,
        text=True,
    )
    banner = proc.stdout.readline()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield base, banner
    proc.terminate()
    proc.communicate(timeout=10)
    access_log.close()
    assert proc.returncode == 0


def call(method: str, url: str, body: dict | None = None) -> tuple[int, str, str]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers["Content-Type"] or "", r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"] or "", e.read().decode()


def get(url: str) -> tuple[int, str, str]:
    return call("GET", url)


def test_startup_line_names_the_address(demo):
    base, banner = demo
    assert banner.startswith(f"ouroboros demo serving on {base}")
    assert f"API docs: {base}/docs" in banner


def test_index_lists_installed_modules(demo):
    base, _ = demo
    status, ctype, body = get(base + "/")
    assert status == 200
    assert ctype.startswith("text/html")
    assert "ouroboros-http" in body
    assert metadata.version("ouroboros-http") in body


def test_modules_json_is_filtered_by_its_response_model(demo):
    base, _ = demo
    status, ctype, body = get(base + "/api/modules")
    assert status == 200
    assert ctype == "application/json"
    rows = {r["distribution"]: r for r in json.loads(body)}
    assert rows["ouroboros-kv"]["installed"] == metadata.version("ouroboros-kv")
    assert rows["ouroboros-kv"]["worker_threads"] >= 1
    assert rows["ouroboros-core"]["worker_threads"] is None
    assert set(rows["ouroboros-kv"]) == {"distribution", "installed", "supported", "compatible", "worker_threads"}


def test_notes_round_trip(demo):
    base, _ = demo
    status, _, body = call("POST", base + "/api/notes", {"title": "Buy milk", "tags": ["home"]})
    assert status == 201
    note = json.loads(body)
    assert note["title"] == "Buy milk"
    assert note["tags"] == ["home"]
    assert note["body"] == ""
    status, _, body = get(f"{base}/api/notes/{note['id']}")
    assert status == 200
    assert json.loads(body) == note
    status, _, body = get(base + "/api/notes?tag=home")
    assert note in json.loads(body)
    assert call("DELETE", f"{base}/api/notes/{note['id']}")[0] == 204
    status, _, body = get(f"{base}/api/notes/{note['id']}")
    assert status == 404
    assert json.loads(body) == {"detail": f"no note {note['id']}"}


def test_invalid_note_is_a_422_naming_each_field(demo):
    base, _ = demo
    status, _, body = call("POST", base + "/api/notes", {"title": "", "tags": ["ok", ""]})
    assert status == 422
    errors = {tuple(e["loc"]): e["type"] for e in json.loads(body)["detail"]}
    assert errors == {("body", "title"): "string_too_short", ("body", "tags", 1): "string_too_short"}
    status, _, body = get(base + "/api/notes?limit=0")
    assert status == 422
    assert json.loads(body)["detail"][0]["loc"] == ["query", "limit"]


def test_self_check_calls_the_app_with_the_http_client(demo):
    base, _ = demo
    status, _, body = get(base + "/api/self-check")
    assert status == 200
    report = json.loads(body)
    assert report["url"] == f"{base}/api/modules"
    assert report["status_code"] == 200
    assert report["modules_installed"] == sum(
        1
        for d in metadata.distributions()
        if d.metadata["Name"]
        in {
            "ouroboros-core",
            "ouroboros-validation",
            "ouroboros-api",
            "ouroboros-mongodb",
            "ouroboros-http",
            "ouroboros-postgres",
            "ouroboros-kv",
            "ouroboros-tasks",
            "ouroboros-test",
            "ouroboros-argus",
        }
    )


def test_api_docs_and_openapi(demo):
    base, _ = demo
    status, ctype, body = get(base + "/docs")
    assert status == 200
    assert ctype.startswith("text/html")
    assert "swagger" in body.lower()
    status, _, body = get(base + "/openapi.json")
    spec = json.loads(body)
    assert spec["info"]["title"] == "ouroboros demo"
    assert {"/api/notes", "/api/notes/{note_id}", "/api/modules", "/api/self-check", "/api/code/outline"} <= set(
        spec["paths"]
    )
    assert "/guide" not in spec["paths"]


def test_guide_pages(demo):
    base, _ = demo
    status, _, body = get(base + "/guide")
    assert status == 200
    assert 'href="/guide/architecture"' in body
    status, _, body = get(base + "/guide/architecture")
    assert status == 200
    assert "ouroboros-common" in body
    status, _, body = get(base + "/guide/nope")
    assert status == 404
    assert json.loads(body) == {"detail": "no guide page 'nope'"}


def test_health(demo):
    base, _ = demo
    status, _, body = get(base + "/health")
    assert status == 200
    assert json.loads(body)["status"] == "healthy"


def test_note_views_are_counted_in_kv(demo):
    base, _ = demo
    _, _, body = call("POST", base + "/api/notes", {"title": "Count me"})
    note_id = json.loads(body)["id"]
    assert json.loads(get(f"{base}/api/notes/{note_id}/views")[2]) == {"note_id": note_id, "views": 0}
    for _ in range(3):
        assert get(f"{base}/api/notes/{note_id}")[0] == 200
    assert json.loads(get(f"{base}/api/notes/{note_id}/views")[2]) == {"note_id": note_id, "views": 3}
    assert get(f"{base}/api/notes/999999/views")[0] == 404


def test_note_stats_run_as_a_background_task(demo):
    base, _ = demo
    _, _, body = call("POST", base + "/api/notes", {"title": "Tasks demo", "body": "one two two three three three"})
    note_id = json.loads(body)["id"]
    status, _, body = call("POST", f"{base}/api/notes/{note_id}/stats")
    assert status == 202
    task = json.loads(body)
    assert task["state"] == "pending"
    deadline = time.monotonic() + 30
    while True:
        status, _, body = get(f"{base}/api/tasks/{task['task_id']}")
        assert status == 200
        record = json.loads(body)
        if record["state"] == "succeeded" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert record["result"] == {
        "note_id": note_id,
        "words": 8,
        "characters": 40,
        "top_words": ["three", "two", "tasks"],
    }
    assert record["error"] is None
    assert call("POST", base + "/api/notes/999999/stats")[0] == 404
    assert get(base + "/api/tasks/not-a-task-id")[0] == 404


def test_notes_are_archived_in_mongodb(demo):
    """ouroboros.mongodb in the demo: archived notes go to the server named by the environment."""
    base, _ = demo
    tag = f"t{uuid.uuid4().hex[:12]}"
    _, _, body = call("POST", base + "/api/notes", {"title": "Keep me", "tags": [tag]})
    note_id = json.loads(body)["id"]
    status, _, body = call("POST", f"{base}/api/notes/{note_id}/archive")
    if not (os.environ.get("OUROBOROS_DEMO_MONGODB_URI") or os.environ.get("OUROBOROS_MONGODB_URI")):
        assert status == 503
        assert "OUROBOROS_DEMO_MONGODB_URI" in json.loads(body)["detail"]
        return
    assert status == 201, body
    archived = json.loads(body)
    assert archived["note_id"] == note_id and archived["title"] == "Keep me" and archived["tags"] == [tag]
    status, _, body = get(f"{base}/api/archive?tag={tag}")
    assert status == 200
    assert [(a["note_id"], a["title"]) for a in json.loads(body)] == [(note_id, "Keep me")]
    assert call("POST", f"{base}/api/notes/999999/archive")[0] == 404
    assert get(f"{base}/api/archive?limit=0")[0] == 422


def test_code_outline_and_search_come_from_argus(demo):
    base, _ = demo
    source = (REPO / "docs" / "demo" / "app.py").read_text().splitlines()

    def line_of(prefix: str) -> int:
        return next(i for i, text in enumerate(source, start=1) if text.startswith(prefix))

    status, _, body = get(base + "/api/code/outline")
    assert status == 200
    outline = {(s["name"], s["kind"], s["container"]): s for s in json.loads(body)}
    assert outline[("NoteIn", "class", None)]["line"] == line_of("class NoteIn(")
    assert outline[("title", "variable", "NoteIn")]["line"] == line_of("class NoteIn(") + 1
    create = outline[("create_note", "function", None)]
    assert create["line"] == line_of("async def create_note(")
    assert create["detail"] == "async def create_note(note: NoteIn) -> Note"
    status, _, body = get(base + "/api/code/symbols?q=noteview&limit=5")
    assert status == 200
    assert json.loads(body)[0]["name"] == "NoteViews"
    assert json.loads(body)[0]["kind"] == "class"
    status, _, body = get(base + "/api/code/symbols?q=")
    assert status == 422
    assert json.loads(body)["detail"][0]["loc"] == ["query", "q"]


def test_demo_suite_runs_under_ouroboros_test(tmp_path):
    """docs/demo/test_demo_suite.py: the demo's own tests, written with ouroboros.test."""
    report = tmp_path / "demo.json"
    proc = subprocess.run(
        [sys.executable, "-m", "ouroboros.test", "docs/demo", "--no-cache", "-n", "1", "--json", str(report)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(report.read_text())["summary"]
    assert summary["passed"] == 7
    assert summary["failed"] + summary["errors"] == 0


@pytest.fixture(scope="module")
def demo_published(tmp_path_factory):
    """The demo publishing notes to PostgreSQL, on a database created for this module."""
    import asyncio
    import os
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    server = os.environ.get("OUROBOROS_POSTGRES_DSN")
    if not server:
        if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
            pytest.fail("OUROBOROS_POSTGRES_DSN is not set but OUROBOROS_REQUIRE_SERVICES=1")
        pytest.skip("OUROBOROS_POSTGRES_DSN is not set; start the services with scripts/services start")
    from ouroboros import postgres

    name = f"ob_demo_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await postgres.connect(server)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(server)
    dsn = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    port = free_port()
    log = (tmp_path_factory.mktemp("demo_pg") / "access.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "docs" / "demo" / "app.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "OUROBOROS_DEMO_POSTGRES": dsn},
    )
    proc.stdout.readline()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
        log.close()
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_publishing_without_a_server_says_what_to_set(demo):
    base, _ = demo
    status, _, body = call("POST", base + "/api/notes/1/publish")
    assert status == 503
    assert "OUROBOROS_DEMO_POSTGRES" in json.loads(body)["detail"]


def test_notes_are_published_to_postgres(demo_published):
    base = demo_published
    ids = []
    for title in ("alpha report", "beta notes", "alpha report"):
        status, _, body = call("POST", base + "/api/notes", {"title": title, "body": "b", "tags": ["t"]})
        assert status == 201
        ids.append(json.loads(body)["id"])
    for note_id in ids:
        status, _, body = call("POST", f"{base}/api/notes/{note_id}/publish")
        assert status == 201, body
        assert json.loads(body)["note_id"] == note_id
    assert call("POST", f"{base}/api/notes/999999/publish")[0] == 404
    status, _, body = get(base + "/api/published?q=alpha")
    assert status == 200
    assert [n["note_id"] for n in json.loads(body)] == [ids[2], ids[0]]
    status, _, body = get(base + "/api/published?q=%25'%20OR%201=1%20--")
    assert status == 200 and json.loads(body) == []
    assert json.loads(get(base + "/api/published/stats")[2]) == {
        "notes": 3,
        "distinct_titles": 2,
        "last_note_id": ids[2],
    }


def get_bytes(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers["Content-Type"] or "", r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"] or "", e.read()


def test_sheet_page_serves_the_spreadsheet_engine(demo):
    base, _ = demo
    sheet = REPO / "frontend-sheet"
    built = (sheet / "dist" / "index.js").exists() and (sheet / "pkg" / "sheet_wasm_bg.wasm").exists()
    status, ctype, body = call("GET", f"{base}/sheet")
    assert ctype.startswith("text/html")
    if not built:
        # A checkout where the WebAssembly build has not run: the page says how.
        assert status == 503
        assert "scripts/dev -s sheet" in body
        return
    assert status == 200
    assert "import { init, Workbook } from '/sheet/files/dist/index.js'" in body
    assert "=COUNTIF(B2:B" in body
    status, ctype, wasm = get_bytes(f"{base}/sheet/files/pkg/sheet_wasm_bg.wasm")
    assert (status, ctype) == (200, "application/wasm")
    assert wasm[:4] == b"\0asm"
    assert wasm == (sheet / "pkg" / "sheet_wasm_bg.wasm").read_bytes()
    status, ctype, js = get_bytes(f"{base}/sheet/files/dist/index.js")
    assert status == 200
    assert ctype.startswith("text/javascript")
    assert b"../pkg/sheet_wasm.js" in js
    # The XLSX module the page fetches on its first download.
    assert get_bytes(f"{base}/sheet/files/pkg/sheet_xlsx_bg.wasm")[0] == 200
    # Nothing outside the two built folders, nothing but their scripts and modules.
    for path in ("pkg/..%2F..%2Fnoxfile.py", "dist/index.d.ts", "web/index.html", "pkg/sheet_wasm.d.ts"):
        status, _, body = call("GET", f"{base}/sheet/files/{path}")
        assert status == 404, path
