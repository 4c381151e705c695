"""multipart/form-data: Form fields, File bytes, UploadFile, several files."""

from typing import Annotated

import pytest
from openapi_spec_validator import validate

from ouroboros.api import App, File, Form, UploadFile

app = App()


@app.post("/upload")
async def upload(doc: UploadFile, title: Annotated[str, Form()]):
    content = await doc.read()
    return {
        "title": title,
        "filename": doc.filename,
        "type": doc.content_type,
        "size": doc.size,
        "text": content.decode(),
    }


@app.post("/bytes")
async def raw(data: Annotated[bytes, File()]):
    return {"len": len(data), "head": data[:3].decode()}


@app.post("/many")
async def many(files: list[UploadFile]):
    return {"names": [f.filename for f in files], "sizes": [f.size for f in files]}


@app.post("/optional-file")
async def optional_file(note: Annotated[str, Form()] = "", doc: UploadFile | None = None):
    return {"note": note, "has_file": doc is not None}


@app.post("/form-int")
async def form_int(count: Annotated[int, Form(ge=1)]):
    return {"count": count}


def test_upload_file_and_field(client):
    r = client.post("/upload", data={"title": "report"}, files={"doc": ("r.txt", b"hello world", "text/plain")})
    assert r.status_code == 200, r.text
    assert r.json() == {"title": "report", "filename": "r.txt", "type": "text/plain", "size": 11, "text": "hello world"}


def test_file_as_bytes(client):
    payload = bytes(range(256)) * 100
    r = client.post("/bytes", files={"data": ("blob.bin", b"abc" + payload, "application/octet-stream")})
    assert r.json() == {"len": 3 + len(payload), "head": "abc"}


def test_several_files_in_one_field(client):
    files = [("files", ("a.txt", b"1", "text/plain")), ("files", ("b.txt", b"22", "text/plain"))]
    assert client.post("/many", files=files).json() == {"names": ["a.txt", "b.txt"], "sizes": [1, 2]}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"data": {"note": "n"}, "files": {"doc": ("x", b"1")}}, {"note": "n", "has_file": True}),
        ({"data": {"note": "n"}, "files": {"other": ("x", b"1")}}, {"note": "n", "has_file": False}),
    ],
)
def test_optional_file(client, kwargs, expected):
    assert client.post("/optional-file", **kwargs).json() == expected


def test_missing_file_is_422(client):
    r = client.post("/upload", data={"title": "t"}, files={"wrong": ("x", b"1")})
    assert r.status_code == 422
    assert r.json()["detail"] == [{"type": "missing", "loc": ["body", "doc"], "msg": "Field required", "input": None}]


def test_multipart_form_fields_are_coerced(client):
    r = client.post("/form-int", data={"count": "0"}, files={"f": ("x", b"")})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "greater_than_equal"
    assert client.post("/form-int", data={"count": "3"}, files={"f": ("x", b"")}).json() == {"count": 3}


def test_broken_multipart_is_422(client):
    r = client.post("/upload", content=b"--B\r\nnonsense", headers={"content-type": "multipart/form-data; boundary=B"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "multipart_invalid"


def test_upload_larger_than_the_limit_is_413():
    from ouroboros.api import TestClient

    # Uploads are capped by max_upload_size (files are spooled to disk).
    with TestClient(app, max_upload_size=10_000) as c:
        r = c.post("/bytes", files={"data": ("big", b"x" * 20_000)})
        assert r.status_code == 413


def test_openapi_describes_multipart(client):
    spec = client.get("/openapi.json").json()
    validate(spec)
    schemas = spec["components"]["schemas"]
    ref = spec["paths"]["/upload"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    body = schemas[ref.rsplit("/", 1)[1]]
    # FastAPI 0.165 describes files by their media type.
    assert body["properties"]["doc"] == {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "title": "Doc",
    }
    assert set(body["required"]) == {"doc", "title"}
    ref = spec["paths"]["/many"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    assert schemas[ref.rsplit("/", 1)[1]]["properties"]["files"]["type"] == "array"
