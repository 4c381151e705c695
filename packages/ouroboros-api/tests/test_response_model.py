"""response_model: return values validated and written by the compiled schema."""

import datetime
from typing import Any

from ouroboros.api import App, JSONResponse, Request, Response
from ouroboros.api.exceptions import ResponseValidationError
from ouroboros.validation import BaseModel, Field, field_serializer

app = App()


class Account(BaseModel):
    user_name: str = Field(serialization_alias="userName")
    balance: int
    opened: datetime.date
    note: str | None = None

    @field_serializer("opened")
    def show_opened(self, value: datetime.date) -> str:
        return value.strftime("%d/%m/%Y")


@app.exception_handler(ResponseValidationError)
async def report(request: Request, exc: ResponseValidationError) -> JSONResponse:
    return JSONResponse({"errors": exc.errors(), "body": exc.body}, status_code=500)


@app.get("/account", response_model=Account)
async def account() -> Any:
    return {"user_name": "al", "balance": "12", "opened": "2024-03-01", "password": "x"}


@app.get("/bad", response_model=Account)
async def bad() -> Any:
    return {"user_name": "al", "balance": "many", "opened": "2024-03-01"}


@app.get("/bad-list", response_model=list[Account])
async def bad_list() -> Any:
    return [{"user_name": "al", "balance": 1, "opened": "2024-03-01"}, {"balance": 1, "opened": "2024-03-01"}]


@app.get("/sync-response", response_model=Account, response_model_exclude_none=True)
def with_response(response: Response) -> Any:
    response.headers["x-seen"] = "1"
    return Account(user_name="al", balance=3, opened=datetime.date(2024, 3, 1))


@app.get("/include", response_model=Account, response_model_include={"balance"})
async def include() -> Any:
    return {"user_name": "al", "balance": 1, "opened": "2024-03-01"}


def test_serialised_by_alias_with_field_serializers_and_filtered(client):
    r = client.get("/account")
    assert r.status_code == 200
    assert r.json() == {"userName": "al", "balance": 12, "opened": "01/03/2024", "note": None}


def test_invalid_return_value_is_a_response_validation_error(client):
    r = client.get("/bad")
    assert r.status_code == 500
    (err,) = r.json()["errors"]
    assert (err["type"], err["loc"], err["input"]) == ("int_parsing", ["response", "balance"], "many")
    assert r.json()["body"]["balance"] == "many"


def test_list_items_are_located_by_index(client):
    r = client.get("/bad-list")
    assert r.status_code == 500
    assert [(e["type"], e["loc"]) for e in r.json()["errors"]] == [("missing", ["response", 1, "user_name"])]


def test_response_parameter_path_uses_the_same_model(client):
    r = client.get("/sync-response")
    assert r.headers["x-seen"] == "1"
    assert r.json() == {"userName": "al", "balance": 3, "opened": "01/03/2024"}


def test_include_keeps_only_the_named_fields(client):
    assert client.get("/include").json() == {"balance": 1}


def test_a_subclass_instance_is_sent_with_the_response_models_fields_only():
    # FastAPI's security tutorial: a UserInDB returned for response_model=User
    # must not send hashed_password (nested and in lists too).
    from ouroboros.api import App, TestClient
    from ouroboros.validation import BaseModel

    class User(BaseModel):
        username: str
        disabled: bool | None = None

    class UserInDB(User):
        hashed_password: str

    class Team(BaseModel):
        lead: User
        members: list[User]

    leaky = App()

    def stored(name: str) -> UserInDB:
        return UserInDB(username=name, hashed_password="secret")

    @leaky.get("/me", response_model=User)
    async def me():
        return stored("alice")

    @leaky.get("/team", response_model=Team)
    async def team():
        return {"lead": stored("alice"), "members": [stored("bob")]}

    @leaky.get("/exact", response_model=User)
    async def exact():
        return User(username="carol")

    with TestClient(leaky) as c:
        assert c.get("/me").json() == {"username": "alice", "disabled": None}
        assert c.get("/team").json() == {
            "lead": {"username": "alice", "disabled": None},
            "members": [{"username": "bob", "disabled": None}],
        }
        assert c.get("/exact").json() == {"username": "carol", "disabled": None}


def test_validation_errors_name_their_endpoint():
    import inspect

    import pytest

    from ouroboros.api import App, TestClient
    from ouroboros.api.exceptions import RequestValidationError, ResponseValidationError
    from ouroboros.validation import BaseModel

    errors = [{"type": "missing", "loc": ("body", "name"), "msg": "Field required"}]
    only_path = str(RequestValidationError(errors, endpoint_ctx={"path": "GET /api/test"}))
    assert "Endpoint: GET /api/test" in only_path and 'File "' not in only_path
    bare = str(RequestValidationError(errors, endpoint_ctx={}))
    assert bare.startswith("1 validation error:") and "Endpoint" not in bare

    class Item(BaseModel):
        id: int
        name: str

    broken = App()

    @broken.get("/items/", response_model=Item)
    def get_item():
        return {"name": "Widget"}

    with TestClient(broken) as c, pytest.raises(ResponseValidationError) as caught:
        c.get("/items/")
    exc = caught.value
    assert (exc.endpoint_function, exc.endpoint_path) == ("get_item", "GET /items/")
    assert exc.endpoint_line == inspect.getsourcelines(get_item)[1]
    assert f'File "{__file__}", line {exc.endpoint_line}, in get_item' in str(exc)


def test_the_python_response_paths_send_the_response_models_fields_only():
    # With Python middleware or a `response: Response` parameter the value is
    # written in Python: by the same compiled writer as the server's.
    from ouroboros.api import App, TestClient
    from ouroboros.validation import BaseModel

    class User(BaseModel):
        username: str

    class UserInDB(User):
        hashed_password: str

    app = App()

    @app.middleware("http")
    async def tag(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers["x-mw"] = "1"
        return response

    @app.get("/me", response_model=User)
    async def me(response: Response) -> Any:
        response.headers["x-param"] = "1"
        return UserInDB(username="alice", hashed_password="secret")

    @app.get("/bad", response_model=User)
    async def bad() -> Any:
        return {"name": "no username"}

    with TestClient(app, raise_server_exceptions=False) as c:
        answer = c.get("/me")
        assert answer.json() == {"username": "alice"}
        assert (answer.headers["x-mw"], answer.headers["x-param"]) == ("1", "1")
        assert c.get("/bad").status_code == 500
    with TestClient(app) as c, __import__("pytest").raises(ResponseValidationError) as info:
        c.get("/bad")
    assert info.value.errors()[0]["loc"] == ("response", "username")
