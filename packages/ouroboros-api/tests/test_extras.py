"""dependency_overrides, status names, jsonable_encoder."""

import datetime
import enum
from typing import Annotated

import pytest

from ouroboros.api import App, Depends, TestClient, jsonable_encoder, status
from ouroboros.validation import BaseModel


async def real_db():
    raise RuntimeError("no database in tests")


app = App()


@app.get("/users", status_code=status.HTTP_202_ACCEPTED)
async def users(db: Annotated[dict, Depends(real_db)]):
    return {"users": db["users"]}


def test_dependency_overrides_replace_a_dependency():
    async def fake_db():
        return {"users": ["alice"]}

    app.dependency_overrides[real_db] = fake_db
    try:
        with TestClient(app) as c:
            r = c.get("/users")
            assert (r.status_code, r.json()) == (202, {"users": ["alice"]})
    finally:
        app.dependency_overrides.clear()
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/users").status_code == 500


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HTTP_200_OK", 200),
        ("HTTP_201_CREATED", 201),
        ("HTTP_404_NOT_FOUND", 404),
        ("HTTP_422_UNPROCESSABLE_ENTITY", 422),
        ("HTTP_413_REQUEST_ENTITY_TOO_LARGE", 413),
        ("HTTP_503_SERVICE_UNAVAILABLE", 503),
    ],
)
def test_status_names(name, value):
    assert getattr(status, name) == value
    assert name in status.__all__


class Kind(enum.Enum):
    A = "a"


class Point(BaseModel):
    x: int
    when: datetime.date


def test_jsonable_encoder():
    value = {"p": Point(x=1, when=datetime.date(2024, 5, 6)), "k": Kind.A, "t": (1, 2), "n": None}
    assert jsonable_encoder(value) == {"p": {"x": 1, "when": "2024-05-06"}, "k": "a", "t": [1, 2], "n": None}
    # No JSON form: ValueError, as FastAPI raises.
    with pytest.raises(ValueError):
        jsonable_encoder({"o": object()})
