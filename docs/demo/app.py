"""The ouroboros demo app: what is installed, served on localhost.

Run it with the README's first command (``scripts/dev demo``), or directly
where the packages are installed::

    python docs/demo/app.py --port 8000

Pages: ``/`` (the installed modules, their versions and native runtimes, as
HTML), ``/api/modules`` (the same as JSON) and ``/docs`` (this platform's
documentation pages). It grows as modules land: once ouroboros.api is
installed it serves through it; until then it uses the standard library.
"""

from __future__ import annotations

import argparse
import html
import importlib
import json
import signal
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ouroboros.kit import module_statuses

DOCS = Path(__file__).resolve().parent.parent


def modules() -> list[dict[str, object]]:
    """Every module in the kit's table: version, compatibility, native runtime."""
    rows = []
    for status in module_statuses():
        row: dict[str, object] = {
            "distribution": status.distribution,
            "installed": status.installed,
            "supported": status.supported,
            "compatible": status.compatible,
        }
        short = status.distribution.removeprefix("ouroboros-")
        if status.installed and short != "core":
            native = importlib.import_module(f"ouroboros.{short}._{short}")
            row["native"] = native._runtime_info()
        rows.append(row)
    return rows


def doc_pages() -> list[str]:
    return sorted(p.stem for p in DOCS.glob("*.md"))


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:1rem}}</style></head>
<body><nav><a href="/">modules</a> · <a href="/docs">docs</a> · <a href="/api/modules">json</a></nav>
<h1>{title}</h1>{body}</body></html>"""


def render_index() -> str:
    cells = []
    for m in modules():
        native = m.get("native") or {}
        cells.append(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                html.escape(str(m["distribution"])),
                html.escape(str(m["installed"] or "not installed")),
                "yes" if m["compatible"] else "NO",
                html.escape(f"{native.get('worker_threads', '-')} tokio workers") if native else "-",
            )
        )
    body = (
        "<table><tr><th>module</th><th>version</th><th>compatible</th><th>native runtime</th></tr>"
        + "".join(cells)
        + "</table>"
    )
    return PAGE.format(title="ouroboros demo", body=body)


def render_docs(page: str | None) -> str | None:
    if page is None:
        links = "".join(f'<li><a href="/docs/{p}">{p}</a></li>' for p in doc_pages())
        return PAGE.format(title="ouroboros docs", body=f"<ul>{links}</ul>")
    if page not in doc_pages():
        return None
    text = (DOCS / f"{page}.md").read_text(encoding="utf-8")
    return PAGE.format(title=html.escape(page), body=f"<pre>{html.escape(text)}</pre>")


class Handler(BaseHTTPRequestHandler):
    server_version = "ouroboros-demo"

    def _send(self, status: HTTPStatus, body: str, content_type: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        if path == "/":
            self._send(HTTPStatus.OK, render_index(), "text/html; charset=utf-8")
        elif path == "/api/modules":
            self._send(HTTPStatus.OK, json.dumps(modules()), "application/json")
        elif path == "/docs" or path.startswith("/docs/"):
            page = render_docs(path.removeprefix("/docs").strip("/") or None)
            if page is None:
                self._send(HTTPStatus.NOT_FOUND, json.dumps({"detail": f"no docs page {path!r}"}), "application/json")
            else:
                self._send(HTTPStatus.OK, page, "text/html; charset=utf-8")
        else:
            self._send(HTTPStatus.NOT_FOUND, json.dumps({"detail": f"not found: {path}"}), "application/json")

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write(f"demo: {self.address_string()} {fmt % args}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(
        f"ouroboros demo serving on http://{host}:{port}  (docs: http://{host}:{port}/docs; Ctrl-C stops)", flush=True
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
