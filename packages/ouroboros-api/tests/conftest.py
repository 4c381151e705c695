"""Shared fixtures: one real server per test module, over loopback; and
the upload routes that the built-in server's and the ASGI path's upload
tests both serve."""

import hashlib
import os
from typing import Annotated

import pytest

from ouroboros.api import App, Form, TestClient, UploadFile

MiB = 1 << 20


@pytest.fixture(scope="module")
def client(request):
    app = request.module.app
    # Modules that check the 500 answers set RAISE_SERVER_EXCEPTIONS = False.
    raise_errors = getattr(request.module, "RAISE_SERVER_EXCEPTIONS", True)
    with TestClient(app, raise_server_exceptions=raise_errors) as c:
        yield c


def upload_routes(app: App) -> list[UploadFile]:
    """``/describe`` (an upload's size, digest, whether it was spooled to an
    unnamed file on disk) and ``/capped`` (``max_body_size`` of 64 KiB) on
    ``app``; returns the list each ``/describe`` call appends its upload to."""
    kept: list[UploadFile] = []

    @app.post("/describe")
    async def describe(doc: UploadFile, note: Annotated[str, Form()] = ""):
        kept.append(doc)
        on_disk = not doc._in_memory
        fd_target = os.readlink(f"/proc/self/fd/{doc.file.fileno()}") if on_disk else None
        digest = hashlib.sha256()
        while chunk := await doc.read(256 * 1024):
            digest.update(chunk)
        return {
            "size": doc.size,
            "on_disk": on_disk,
            "deleted": fd_target is not None and fd_target.endswith("(deleted)"),
            "sha": digest.hexdigest(),
            "type": doc.content_type,
            "note": note,
        }

    @app.post("/capped", max_body_size=64 * 1024)
    async def capped(doc: UploadFile):
        return {"size": doc.size}

    return kept
