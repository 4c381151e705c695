"""Uploads are parsed while they arrive: files past 1 MiB are spooled to
disk (Starlette's threshold), every parameter reading one part shares one
``UploadFile``, ``Request.form()`` applies its limits, and uploads are
capped by ``max_upload_size`` (or a route's ``max_body_size``)."""

import hashlib
import io
import os
from typing import Annotated

import pytest
from conftest import MiB, upload_routes

from ouroboros.api import App, Depends, File, Request, TestClient, UploadFile
from ouroboros.api.dependencies.utils import _read_file_bytes

app = App()
kept = upload_routes(app)


async def read_prefix(file: Annotated[UploadFile, File()]):
    return (await file.read(2)).decode()


def rest_as_bytes(prefix: Annotated[str, Depends(read_prefix)], file: Annotated[bytes, File()]):
    return {"prefix": prefix, "rest": len(file)}


@app.post("/shared")
async def shared(inspected: Annotated[dict, Depends(rest_as_bytes)], file: Annotated[UploadFile, File()]):
    position = file.file.tell()
    return {"inspected": inspected, "position": position, "remainder": len(await file.read())}


@app.post("/raw-form")
async def raw_form(request: Request):
    form = await request.form(max_files=2, max_fields=2, max_part_size=100)
    out = {}
    for name, value in form.multi_items():
        out.setdefault(name, []).append(value.filename if isinstance(value, UploadFile) else value)
    return out


@app.post("/form-closed")
async def form_closed(request: Request):
    async with request.form() as form:
        upload = form["f"]
        data = await upload.read()
    return {"data": data.decode(), "closed": upload.file.closed}


def test_small_file_stays_in_memory(client):
    r = client.post("/describe", files={"doc": ("a.txt", b"hello", "text/plain")}, data={"note": "n"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "size": 5,
        "on_disk": False,
        "deleted": False,
        "sha": hashlib.sha256(b"hello").hexdigest(),
        "type": "text/plain",
        "note": "n",
    }


@pytest.mark.parametrize("size", [MiB + 1, 5 * MiB + 12345])
def test_large_file_is_spooled_to_an_unnamed_temporary_file(client, size):
    content = os.urandom(size)
    r = client.post("/describe", files={"doc": ("big.bin", content, "application/octet-stream")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["on_disk"] is True
    # The spool file has no name on disk (removed as soon as it was made).
    assert body["deleted"] is True
    assert body["size"] == size
    assert body["sha"] == hashlib.sha256(content).hexdigest()


def test_upload_files_are_closed_after_the_request(client):
    kept.clear()
    client.post("/describe", files={"doc": ("a", b"x")})
    client.post("/describe", files={"doc": ("b", b"y" * (2 * MiB))})
    assert [k.file.closed for k in kept] == [True, True]


@pytest.mark.parametrize("size", [5, 3 * MiB])
def test_parameters_share_one_upload_and_bytes_keep_its_position(client, size):
    r = client.post("/shared", files={"file": ("f", b"x" * size)})
    assert r.status_code == 200, r.text
    assert r.json() == {"inspected": {"prefix": "xx", "rest": size - 2}, "position": 2, "remainder": size - 2}


def test_request_form_parses_multipart_and_urlencoded(client):
    r = client.post("/raw-form", data={"a": "1"}, files=[("f", ("one.txt", b"1")), ("f", ("two.txt", b"2"))])
    assert r.json() == {"a": ["1"], "f": ["one.txt", "two.txt"]}
    assert client.post("/raw-form", data={"a": "1", "b": "2"}).json() == {"a": ["1"], "b": ["2"]}


@pytest.mark.parametrize(
    ("kwargs", "detail"),
    [
        (
            {"files": [("f", ("1", b"1")), ("f", ("2", b"2")), ("f", ("3", b"3"))]},
            "Too many files. Maximum number of files is 2.",
        ),
        (
            {"data": {"a": "1", "b": "2", "c": "3"}, "files": {"f": ("1", b"1")}},
            "Too many fields. Maximum number of fields is 2.",
        ),
        ({"data": {"a": "1", "b": "2", "c": "3"}}, "Too many fields. Maximum number of fields is 2."),
        ({"data": {"a": "x" * 101}, "files": {"f": ("1", b"1")}}, "Part exceeded maximum size of 0KB."),
    ],
)
def test_request_form_limits_answer_400_saying_why(client, kwargs, detail):
    r = client.post("/raw-form", **kwargs)
    assert r.status_code == 400
    assert r.json() == {"detail": detail}


def test_request_form_as_context_manager_closes_its_files(client):
    assert client.post("/form-closed", files={"f": ("a", b"abc")}).json() == {"data": "abc", "closed": True}


def test_upload_limits():
    limited = App()

    @limited.post("/up")
    async def up(doc: UploadFile):
        return {"size": doc.size}

    # The server's max_body_size (1 MiB by default) does not cap uploads;
    # max_upload_size does.
    with TestClient(limited, max_body_size=10_000) as c:
        assert c.post("/up", files={"doc": ("a", b"x" * 20_000)}).json() == {"size": 20_000}
    with TestClient(limited, max_upload_size=10_000) as c:
        r = c.post("/up", files={"doc": ("a", b"x" * 20_000)})
        assert r.status_code == 413
        assert r.json() == {"detail": "Request body is too large"}


def test_a_routes_max_body_size_caps_its_uploads(client):
    assert client.post("/capped", files={"doc": ("a", b"x" * 1000)}).json() == {"size": 1000}
    r = client.post("/capped", files={"doc": ("a", b"x" * (200 * 1024))})
    assert r.status_code == 413
    assert r.json() == {"detail": "Request body is too large"}


@pytest.mark.asyncio
async def test_upload_file_has_starlettes_constructor():
    upload = UploadFile(io.BytesIO(b"data"), filename="f.txt", size=4, headers={"content-type": "text/plain"})
    assert (upload.filename, upload.size, upload.content_type) == ("f.txt", 4, "text/plain")
    assert await upload.read() == b"data"
    await upload.write(b"!")
    assert upload.size == 5
    await upload.seek(0)
    assert await upload.read() == b"data!"
    with pytest.raises(TypeError, match="file object first"):
        UploadFile("name.txt")
    with pytest.raises(ValueError, match="Expected UploadFile"):
        UploadFile._validate("not a file", {})


@pytest.mark.asyncio
async def test_read_file_bytes_restores_the_position_even_on_failure():
    stream = io.BytesIO(b"hello")
    upload = UploadFile(stream)
    stream.seek(2)
    assert await _read_file_bytes(upload) == b"llo"
    assert stream.tell() == 2

    async def failing(size: int = -1) -> bytes:
        stream.read(1)
        raise OSError("read failed")

    upload.read = failing  # type: ignore[method-assign]
    with pytest.raises(OSError, match="read failed"):
        await _read_file_bytes(upload)
    assert stream.tell() == 2
