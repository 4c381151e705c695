"""Uploads served through the ASGI path are parsed while they arrive, as on
the built-in server: files past 1 MiB are spooled to disk (Starlette's
``SpooledTemporaryFile`` threshold), the body is never held whole, and the
answers to broken or oversized forms are the built-in server's."""

import hashlib
import os
from typing import Annotated

import httpx
import pytest
from conftest import MiB, upload_routes

from ouroboros.api import App, File, Form, Request, TestClient

app = App()
kept = upload_routes(app)


@app.post("/fields")
async def fields(a: Annotated[str, Form()], files: Annotated[list[bytes], File()]):
    return {"a": a, "sizes": [len(f) for f in files]}


@app.post("/raw")
async def raw(request: Request):
    form = await request.form()
    return {"names": sorted(form.keys())}


def multipart(parts: list[tuple[str, str | None, bytes]], boundary: str = "B0undary") -> bytes:
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\ncontent-disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


HEADERS = {"content-type": "multipart/form-data; boundary=B0undary"}


def in_chunks(body: bytes, size: int):
    for i in range(0, len(body), size):
        yield body[i : i + size]


async def asgi_post(path: str, body: bytes, chunk: int = 64 * 1024, headers=HEADERS) -> httpx.Response:
    async def stream():
        for piece in in_chunks(body, chunk):
            yield piece

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return await c.post(path, content=stream(), headers=headers)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("size", "on_disk", "chunk"),
    [(5, False, 997), (MiB, False, 997), (MiB + 1, True, 997), (MiB, False, 65536), (3 * MiB + 7, True, 65536)],
)
async def test_files_past_one_mib_are_spooled_to_disk(size, on_disk, chunk):
    content = os.urandom(size)
    body = multipart([("note", None, b"hello"), ("doc", "big.bin", content)])
    r = await asgi_post("/describe", body, chunk)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "size": size,
        "on_disk": on_disk,
        "deleted": on_disk,
        "sha": hashlib.sha256(content).hexdigest(),
        "type": "application/octet-stream",
        "note": "hello",
    }


@pytest.mark.asyncio
async def test_spool_files_are_closed_after_the_request():
    kept.clear()
    await asgi_post("/describe", multipart([("doc", "a", b"x")]))
    await asgi_post("/describe", multipart([("doc", "b", b"y" * (2 * MiB))]))
    assert [k.file.closed for k in kept] == [True, True]


@pytest.mark.asyncio
async def test_uploads_are_not_capped_by_the_json_body_limit():
    # Before, the ASGI path read the body whole within max_body_size (1 MiB)
    # and answered 413 to any larger upload.
    r = await asgi_post(
        "/fields", multipart([("a", None, b"1"), ("files", "x", b"x" * (2 * MiB)), ("files", "y", b"")])
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"a": "1", "sizes": [2 * MiB, 0]}


@pytest.mark.asyncio
async def test_a_routes_max_body_size_caps_its_uploads_while_they_arrive():
    assert (await asgi_post("/capped", multipart([("doc", "a", b"x" * 1000)]))).json() == {"size": 1000}
    r = await asgi_post("/capped", multipart([("doc", "a", b"x" * (200 * 1024))]))
    assert (r.status_code, r.json()) == (413, {"detail": "Request body is too large"})
    # Refused on its announced length, before any of it is read.
    body = multipart([("doc", "a", b"x" * (200 * 1024))])
    r = await asgi_post("/capped", body, headers={**HEADERS, "content-length": str(len(body))})
    assert (r.status_code, r.json()) == (413, {"detail": "Request body is too large"})


BROKEN = [
    # A text part over max_part_size (1 MiB): 400, in Starlette's words.
    multipart([("a", None, b"x" * (MiB + 1)), ("files", "f", b"1")]),
    # A body cut before its closing boundary: 422 multipart_invalid.
    multipart([("a", None, b"1"), ("files", "f", b"1")])[:-12],
    # Missing fields.
    multipart([("files", "f", b"1")]),
    # An empty body is an empty form.
    b"",
]


@pytest.mark.asyncio
@pytest.mark.parametrize("body", BROKEN, ids=["part-too-large", "truncated", "missing", "empty"])
async def test_refusals_are_the_built_in_servers(body):
    with TestClient(app) as client:
        native = client.post("/fields", content=body, headers=HEADERS)
    r = await asgi_post("/fields", body, chunk=1000)
    assert native.status_code in (400, 422)
    assert (r.status_code, r.json()) == (native.status_code, native.json())


@pytest.mark.asyncio
async def test_a_route_reading_the_request_still_gets_the_body():
    r = await asgi_post("/raw", multipart([("a", None, b"1"), ("f", "f", b"2")]))
    assert r.json() == {"names": ["a", "f"]}
