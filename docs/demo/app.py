"""The ouroboros demo app: a small notes service built on the platform.

Run it with the README's first command (``scripts/dev demo``), or directly
where the packages are installed::

    python docs/demo/app.py --port 8000

What it shows, module by module:

- ouroboros.api serves everything: the Rust server, routing, parameters,
  ``response_model`` filtering, 422 errors, health checks, and the interactive
  API docs at ``/docs`` (Swagger UI) and ``/redoc``, served offline.
- ouroboros.validation models validate every note in Rust (``NoteIn``).
- ouroboros.http calls the running app over loopback (``/api/self-check``).
- ouroboros.kv counts note views (``/api/notes/{id}/views``) in an embedded
  store: ``memory://`` by default, any store URL in ``OUROBOROS_DEMO_KV``
  (``file:///tmp/demo.redb`` survives restarts, ``redis://...`` is shared).
- ouroboros.tasks computes note statistics in the background
  (``POST /api/notes/{id}/stats`` enqueues, ``GET /api/tasks/{task_id}``
  polls): a worker runs inside the app on an embedded broker, or on the
  broker named by ``OUROBOROS_DEMO_TASKS`` (``redis://...``, ``nats://...``).
- ouroboros-kit reports which modules are installed (``/api/modules``).
- ouroboros.mongodb archives notes in MongoDB (``POST /api/notes/{id}/archive``,
  ``GET /api/archive``) when ``OUROBOROS_DEMO_MONGODB_URI`` (or
  ``OUROBOROS_MONGODB_URI``) names a server; without one those routes answer 503.
- ouroboros.test runs the demo's own tests (``docs/demo/test_demo_suite.py``):
  ``python -m ouroboros.test docs/demo``.
- ouroboros.argus indexes the demo's own source: ``/api/code/outline`` lists
  the classes and functions of this file with their signatures, and
  ``/api/code/symbols?q=note`` searches every symbol of the demo folder.
- The platform's own documentation pages are served at ``/guide``.
- The spreadsheet engine (``rusheet``, Rust compiled to WebAssembly) runs in
  the browser at ``/sheet``: the notes become a workbook whose formulas count
  and measure them, recalculated as you edit, and download as XLSX. It needs
  the engine built once (``scripts/dev -s sheet``); until then the page says so.
- ouroboros.postgres publishes notes to a table when ``OUROBOROS_DEMO_POSTGRES``
  names a server (``POST /api/notes/{id}/publish``, ``GET /api/published``,
  ``GET /api/published/stats``): a ``Table`` model, its query builder and an
  aggregate; without it these answer 503 and say what to set.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import importlib
import itertools
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path as FilePath
from typing import Annotated

from ouroboros.api import (
    App,
    FileResponse,
    HealthManager,
    HealthStatus,
    HTMLResponse,
    HTTPException,
    Path,
    Query,
)
from ouroboros.argus import Index
from ouroboros.http import HttpClient
from ouroboros.kit import __version__ as kit_version
from ouroboros.kit import module_statuses
from ouroboros.kv import KV
from ouroboros.tasks import App as TaskApp
from ouroboros.tasks import AsyncResult, Worker
from ouroboros.validation import BaseModel, Field

GUIDE = FilePath(__file__).resolve().parent.parent


@contextlib.asynccontextmanager
async def lifespan(_app: App) -> AsyncIterator[None]:
    """The task worker runs beside the server for as long as it serves."""
    worker = Worker(TASKS, concurrency=4, heartbeat=5.0, shutdown_timeout=5.0)
    running = asyncio.ensure_future(worker.run())
    try:
        yield
    finally:
        worker.stop()
        await running


app = App(
    lifespan=lifespan,
    title="ouroboros demo",
    version=kit_version,
    description="A notes service built with ouroboros.api, ouroboros.validation and ouroboros.http.",
)


class ModuleInfo(BaseModel):
    distribution: str
    installed: str | None
    supported: str
    compatible: bool
    worker_threads: int | None = Field(default=None, description="tokio workers of the module's own runtime")


class NoteIn(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=200, examples=["Buy milk"])]
    body: Annotated[str, Field(max_length=10_000)] = ""
    tags: list[Annotated[str, Field(min_length=1, max_length=30)]] = Field(default_factory=list, max_length=10)


class Note(NoteIn):
    id: int
    created: float


class SelfCheck(BaseModel):
    url: str
    status_code: int
    modules_installed: int
    round_trip_ms: float


class CodeSymbol(BaseModel):
    name: str
    kind: str
    container: str | None = None
    line: int
    detail: str | None = Field(default=None, description="signature or type, as Argus infers it")


class NoteViews(BaseModel):
    note_id: int
    views: int


NOTES: dict[int, Note] = {}
VIEWS = KV.open(os.environ.get("OUROBOROS_DEMO_KV", "memory://")).namespace("demo:views")
NEXT_ID = itertools.count(1)
TASKS = TaskApp(
    os.environ.get("OUROBOROS_DEMO_TASKS") or f"local://{tempfile.mkdtemp(prefix='ob-demo-')}/tasks.redb",
    prefix="demo",
)


class NoteStats(BaseModel):
    note_id: int
    words: int
    characters: int
    top_words: list[str]


class TaskStatus(BaseModel):
    task_id: str
    state: str
    result: NoteStats | None = None
    error: str | None = None


@TASKS.task(retries=2, time_limit=10)
def note_stats(note_id: int, text: str) -> NoteStats:
    """A background task (an ouroboros.tasks sync task, run in the worker's thread pool)."""
    words = re.findall(r"\w+", text.lower())
    top = [word for word, _ in Counter(words).most_common(3)]
    return NoteStats(note_id=note_id, words=len(words), characters=len(text), top_words=top)


SELF_URL = {"base": "http://127.0.0.1:8000"}


def modules() -> list[ModuleInfo]:
    rows = []
    for status in module_statuses():
        threads = None
        short = status.distribution.removeprefix("ouroboros-")
        if status.installed and short != "core":
            native = importlib.import_module(f"ouroboros.{short}._{short}")
            threads = native._runtime_info()["worker_threads"]
        rows.append(
            ModuleInfo(
                distribution=status.distribution,
                installed=status.installed,
                supported=status.supported,
                compatible=status.compatible,
                worker_threads=threads,
            )
        )
    return rows


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:1rem}}</style></head>
<body><nav><a href="/">home</a> · <a href="/docs">API docs</a> · <a href="/redoc">ReDoc</a> ·
<a href="/guide">guide</a> · <a href="/sheet">sheet</a> ·
<a href="/health">health</a></nav><h1>{title}</h1>{body}</body></html>"""


@app.get("/", include_in_schema=False)
async def index() -> HTMLResponse:
    rows = "".join(
        f"<tr><td>{html.escape(m.distribution)}</td><td>{html.escape(m.installed or 'not installed')}</td>"
        f"<td>{'yes' if m.compatible else 'NO'}</td><td>{m.worker_threads or '-'}</td></tr>"
        for m in modules()
    )
    body = (
        "<p>A notes service on the ouroboros platform. Try the endpoints in the "
        '<a href="/docs">interactive API docs</a>.</p>'
        "<table><tr><th>module</th><th>version</th><th>compatible</th><th>tokio workers</th></tr>"
        f"{rows}</table>"
    )
    return HTMLResponse(PAGE.format(title="ouroboros demo", body=body))


@app.get("/api/modules", response_model=list[ModuleInfo], tags=["platform"])
async def list_modules() -> list[ModuleInfo]:
    """Every module in ouroboros-kit's compatibility table, installed or not."""
    return modules()


@app.post("/api/notes", response_model=Note, status_code=201, tags=["notes"])
async def create_note(note: NoteIn) -> Note:
    """Store a note; the body is validated in Rust before this runs."""
    stored = Note(id=next(NEXT_ID), created=time.time(), **note.model_dump())
    NOTES[stored.id] = stored
    return stored


@app.get("/api/notes", response_model=list[Note], tags=["notes"])
async def list_notes(
    tag: Annotated[str | None, Query(description="only notes with this tag")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[Note]:
    found = [n for n in NOTES.values() if tag is None or tag in n.tags]
    return found[:limit]


@app.get("/api/notes/{note_id}", response_model=Note, tags=["notes"])
async def get_note(note_id: Annotated[int, Path(ge=1)]) -> Note:
    if note_id not in NOTES:
        raise HTTPException(status_code=404, detail=f"no note {note_id}")
    await VIEWS.incr(str(note_id))
    return NOTES[note_id]


@app.get("/api/notes/{note_id}/views", response_model=NoteViews, tags=["notes"])
async def note_views(note_id: Annotated[int, Path(ge=1)]) -> NoteViews:
    """How often the note was read (an ouroboros.kv counter)."""
    if note_id not in NOTES:
        raise HTTPException(status_code=404, detail=f"no note {note_id}")
    return NoteViews(note_id=note_id, views=await VIEWS.get(str(note_id), 0))


@app.delete("/api/notes/{note_id}", status_code=204, tags=["notes"])
async def delete_note(note_id: Annotated[int, Path(ge=1)]) -> None:
    if NOTES.pop(note_id, None) is None:
        raise HTTPException(status_code=404, detail=f"no note {note_id}")
    await VIEWS.delete(str(note_id))


@app.post("/api/notes/{note_id}/stats", response_model=TaskStatus, status_code=202, tags=["notes"])
async def request_note_stats(note_id: Annotated[int, Path(ge=1)]) -> TaskStatus:
    """Count the note's words in the background; poll ``/api/tasks/{task_id}``."""
    if note_id not in NOTES:
        raise HTTPException(status_code=404, detail=f"no note {note_id}")
    note = NOTES[note_id]
    result = await note_stats.adelay(note_id, f"{note.title}\n{note.body}")
    return TaskStatus(task_id=result.id, state="pending")


@app.get("/api/tasks/{task_id}", response_model=TaskStatus, tags=["tasks"])
async def task_status(task_id: str) -> TaskStatus:
    """The state of a background task, with its result once it succeeded."""
    if not re.fullmatch(r"[0-9a-f]{32}", task_id):
        raise HTTPException(status_code=404, detail=f"no task {task_id!r}")
    info = await AsyncResult(task_id, TASKS).ainfo()
    if info is None:
        return TaskStatus(task_id=task_id, state="pending")
    error = info.get("error")
    return TaskStatus(
        task_id=task_id,
        state=info["state"],
        result=info.get("result"),
        error=f"{error['type']}: {error['message']}" if error else None,
    )


ARCHIVE: dict[str, object] = {}
ARCHIVE_LOCK = asyncio.Lock()


async def archive_model() -> type:
    """The archive's Document class, connected on first use (ouroboros.mongodb)."""
    async with ARCHIVE_LOCK:
        if "model" in ARCHIVE:
            return ARCHIVE["model"]  # type: ignore[return-value]
        uri = os.environ.get("OUROBOROS_DEMO_MONGODB_URI") or os.environ.get("OUROBOROS_MONGODB_URI")
        if not uri:
            raise HTTPException(
                status_code=503, detail="no MongoDB configured: set OUROBOROS_DEMO_MONGODB_URI to archive notes"
            )
        from ouroboros.core import OuroborosError
        from ouroboros.mongodb import Document, Indexed, init

        class ArchivedNote(Document):
            note_id: Indexed(int)
            title: str
            body: str = ""
            tags: list[str] = Field(default_factory=list)
            created: float
            archived: float

            class Settings:
                name = "demo_archive"

        try:
            await init(uri, database="ouroboros_demo", document_models=[ArchivedNote], server_selection_timeout_ms=3000)
        except OuroborosError as exc:  # an unreachable server is a 503 naming it, not a crash
            raise HTTPException(status_code=503, detail=f"MongoDB unavailable: {exc}") from None
        ARCHIVE["model"] = ArchivedNote
        return ArchivedNote


class ArchivedOut(NoteIn):
    note_id: int
    archived: float


@app.post("/api/notes/{note_id}/archive", response_model=ArchivedOut, status_code=201, tags=["notes"])
async def archive_note(note_id: Annotated[int, Path(ge=1)]) -> ArchivedOut:
    """Copy a note into MongoDB with ouroboros.mongodb."""
    note = NOTES.get(note_id)
    if note is None:
        raise HTTPException(status_code=404, detail=f"no note {note_id}")
    model = await archive_model()
    doc = await model(note_id=note.id, **note.model_dump(exclude={"id"}), archived=time.time()).insert()
    return ArchivedOut(**doc.model_dump(exclude={"id", "revision_id", "created"}))


@app.get("/api/archive", response_model=list[ArchivedOut], tags=["notes"])
async def list_archive(
    tag: Annotated[str | None, Query(max_length=30)] = None, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[ArchivedOut]:
    """Archived notes, newest first, optionally with a tag."""
    model = await archive_model()
    query = model.find(model.tags == tag) if tag else model.find_all()
    docs = await query.sort("-archived").limit(limit).to_list()
    return [ArchivedOut(**d.model_dump(exclude={"id", "revision_id", "created"})) for d in docs]


@app.get("/api/self-check", response_model=SelfCheck, tags=["platform"])
async def self_check() -> SelfCheck:
    """Call this app's own /api/modules over loopback with ouroboros.http."""
    async with HttpClient(base_url=SELF_URL["base"], timeout=5.0) as client:
        started = time.perf_counter()
        response = await client.get("/api/modules")
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        installed = sum(1 for m in response.json() if m["installed"])
    return SelfCheck(
        url=str(response.url), status_code=response.status_code, modules_installed=installed, round_trip_ms=elapsed
    )


DEMO_DIR = FilePath(__file__).resolve().parent
CODE_INDEX: dict[str, Index] = {}


async def code_index() -> Index:
    """The Argus index of this folder, built on first use (off the event loop)."""
    if "demo" not in CODE_INDEX:
        CODE_INDEX["demo"] = await asyncio.to_thread(Index, DEMO_DIR)
    return CODE_INDEX["demo"]


def code_symbols(found: list[dict]) -> list[CodeSymbol]:
    return [
        CodeSymbol(
            name=s["name"],
            kind=s["kind"],
            container=s.get("container"),
            line=s["location"]["line"],
            detail=s.get("detail"),
        )
        for s in found
    ]


@app.get("/api/code/outline", response_model=list[CodeSymbol], tags=["code"])
async def code_outline() -> list[CodeSymbol]:
    """Classes, functions and variables of this app's source, indexed by ouroboros.argus."""
    index = await code_index()
    return code_symbols(await asyncio.to_thread(index.document_symbols, FilePath(__file__)))


@app.get("/api/code/symbols", response_model=list[CodeSymbol], tags=["code"])
async def code_search(
    q: Annotated[str, Query(min_length=1, max_length=100, description="part of a name, any case")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[CodeSymbol]:
    """Symbols of the demo folder whose name contains ``q``, best match first."""
    index = await code_index()
    return code_symbols(await asyncio.to_thread(index.workspace_symbols, q, limit))


# --- rusheet: the notes as a spreadsheet, computed in the browser ---

SHEET_DIR = GUIDE.parent / "frontend-sheet"
# What the page loads: the TypeScript API (dist/, from tsc) and the two
# WebAssembly modules with their glue (pkg/, from scripts/build-wasm.sh).
SHEET_FILES = {"dist": {".js"}, "pkg": {".js", ".wasm"}}
SHEET_TYPES = {".js": "text/javascript", ".wasm": "application/wasm"}

SHEET_SCRIPT = """
import { init, Workbook } from '/sheet/files/dist/index.js';
const status = document.getElementById('status');
try {
  await init();
  const notes = await (await fetch('/api/notes')).json();
  const wb = new Workbook();
  const n = notes.length + 1;
  wb.setCellValues(0, 0, [['title', 'tags', 'length'],
    ...notes.map((note, i) => [note.title, note.tags.join(' '), `=LEN(A${i + 2})`])]);
  wb.setCellValues(0, 4, [
    ['notes', `=COUNTA(A2:A${Math.max(n, 2)})`],
    ['characters', `=SUM(C2:C${Math.max(n, 2)})`],
    ['longest', `=IFERROR(INDEX(A2:A${n},MATCH(MAX(C2:C${n}),C2:C${n},0)),"-")`],
    ['tagged work', `=COUNTIF(B2:B${Math.max(n, 2)},"*work*")`],
  ]);
  const draw = () => {
    const rows = wb.getRange(0, 0, Math.max(n, 4), 6);
    const cell = (v) => `<td>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</td>`;
    document.getElementById('grid').innerHTML = rows.map((r) => '<tr>' + r.map(cell).join('') + '</tr>').join('');
  };
  wb.onChange(draw);
  draw();
  globalThis.demoSheet = wb;
  document.getElementById('xlsx').onclick = async () => {
    const bytes = await wb.exportXlsx();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes]));
    a.download = 'notes.xlsx';
    a.click();
  };
  status.textContent = `${notes.length} notes, computed by the engine in WebAssembly`;
  document.body.dataset.ready = '1';
} catch (e) {
  status.textContent = `the spreadsheet could not start: ${e.message}`;
}
"""


def sheet_missing() -> str | None:
    """What to run when the spreadsheet engine is not built in this checkout."""
    needed = [SHEET_DIR / "dist" / "index.js", SHEET_DIR / "pkg" / "sheet_wasm_bg.wasm"]
    if all(p.exists() for p in needed):
        return None
    return "the spreadsheet engine is not built here: run scripts/dev -s sheet (WebAssembly build, about 3 minutes)"


@app.get("/sheet", include_in_schema=False)
async def sheet_page() -> HTMLResponse:
    missing = sheet_missing()
    body = (
        f"<p>{html.escape(missing)}</p>"
        if missing
        else '<p id="status">loading the engine…</p><button id="xlsx">download as XLSX</button>'
        '<table id="grid"></table><script type="module">' + SHEET_SCRIPT + "</script>"
    )
    return HTMLResponse(PAGE.format(title="notes as a spreadsheet", body=body), status_code=503 if missing else 200)


@app.get("/sheet/files/{area}/{name}", include_in_schema=False)
async def sheet_file(area: str, name: str) -> FileResponse:
    suffix = FilePath(name).suffix
    folder = SHEET_DIR / area
    # Only files listed in the built folders: no path reaches outside them.
    if area not in SHEET_FILES or suffix not in SHEET_FILES[area] or name not in {p.name for p in folder.glob("*")}:
        raise HTTPException(status_code=404, detail=f"no spreadsheet file {area}/{name}")
    return FileResponse(folder / name, media_type=SHEET_TYPES[suffix])


@app.get("/guide", include_in_schema=False)
async def guide_index() -> HTMLResponse:
    links = "".join(f'<li><a href="/guide/{p.stem}">{p.stem}</a></li>' for p in sorted(GUIDE.glob("*.md")))
    return HTMLResponse(PAGE.format(title="ouroboros guide", body=f"<ul>{links}</ul>"))


@app.get("/guide/{page}", include_in_schema=False)
async def guide_page(page: str) -> HTMLResponse:
    pages = {p.stem: p for p in GUIDE.glob("*.md")}
    if page not in pages:
        raise HTTPException(status_code=404, detail=f"no guide page {page!r}")
    text = pages[page].read_text(encoding="utf-8")
    return HTMLResponse(PAGE.format(title=html.escape(page), body=f"<pre>{html.escape(text)}</pre>"))


# --- ouroboros.postgres: published notes (only with OUROBOROS_DEMO_POSTGRES) ---


class PublishedNote(NoteIn):
    note_id: int
    published: float


class PublishedStats(BaseModel):
    notes: int
    distinct_titles: int
    last_note_id: int | None


PUBLISHED: dict[str, object] = {}


async def published_table() -> type:
    """The Table class of published notes, its table created on first use."""
    dsn = os.environ.get("OUROBOROS_DEMO_POSTGRES")
    if not dsn:
        raise HTTPException(status_code=503, detail="publishing needs OUROBOROS_DEMO_POSTGRES=postgresql://...")
    if "model" not in PUBLISHED:
        from ouroboros import postgres

        class NoteRow(postgres.Table):
            id: int | None = None
            note_id: int
            title: str
            body: str = ""
            tags: list[str] = Field(default_factory=list)
            published: float

            class Settings:
                table_name = "demo_published_notes"
                indexes = ("note_id",)

        await postgres.init(dsn, min_size=1, max_size=4, create_tables=[NoteRow])
        PUBLISHED["model"] = NoteRow
    return PUBLISHED["model"]  # type: ignore[return-value]


@app.post("/api/notes/{note_id}/publish", response_model=PublishedNote, status_code=201, tags=["published"])
async def publish_note(note_id: Annotated[int, Path(ge=1)]) -> PublishedNote:
    """Copy a note into PostgreSQL (an ouroboros.postgres Table)."""
    table = await published_table()
    if note_id not in NOTES:
        raise HTTPException(status_code=404, detail=f"no note {note_id}")
    note = NOTES[note_id]
    row = await table(note_id=note_id, title=note.title, body=note.body, tags=note.tags, published=time.time()).insert()
    return PublishedNote(**row.model_dump(exclude={"id"}))


@app.get("/api/published", response_model=list[PublishedNote], tags=["published"])
async def list_published(
    q: Annotated[str | None, Query(max_length=100, description="only titles containing this text")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[PublishedNote]:
    """Published notes, newest first (the query builder; `q` is a bound parameter)."""
    table = await published_table()
    query = table.find() if q is None else table.find(table.title.contains(q))
    rows = await query.order_by("-published").limit(limit).to_list()
    return [PublishedNote(**r.model_dump(exclude={"id"})) for r in rows]


@app.get("/api/published/stats", response_model=PublishedStats, tags=["published"])
async def published_stats() -> PublishedStats:
    """Aggregates computed by the server."""
    from ouroboros.postgres import Count, Max

    table = await published_table()
    record = await table.find_all().aggregate(
        notes=Count(), distinct_titles=Count(table.title, distinct=True), last=Max(table.note_id)
    )
    return PublishedStats(notes=record["notes"], distinct_titles=record["distinct_titles"], last_note_id=record["last"])


health = HealthManager()


@health.check("notes")
async def notes_store() -> HealthStatus:
    return HealthStatus.HEALTHY if len(NOTES) < 100_000 else HealthStatus.DEGRADED


app.include_health(health, path="/health")


def main() -> None:
    parser = argparse.ArgumentParser(description="The ouroboros demo app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    def started(_server: object, address: tuple[str, int]) -> None:
        host, port = address
        SELF_URL["base"] = f"http://{host}:{port}"
        print(
            f"ouroboros demo serving on http://{host}:{port}  "
            f"(API docs: http://{host}:{port}/docs; guide: /guide; Ctrl-C stops)",
            flush=True,
        )

    asyncio.run(app.serve(host=args.host, port=args.port, started=started))


if __name__ == "__main__":
    main()
