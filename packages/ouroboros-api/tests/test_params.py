"""Path, query, header and cookie parameters: coercion, defaults and 422s."""

import enum
import uuid
from typing import Annotated, Literal

import pytest

from ouroboros.api import App, Cookie, Header, Path, Query, TestClient
from ouroboros.validation import BaseModel

app = App()


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@app.get("/items/{item_id}")
async def get_item(item_id: int, q: str | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 10):
    return {"item_id": item_id, "q": q, "limit": limit}


@app.get("/floats/{x}")
async def floats(x: float, strict: bool = False):
    return {"x": x, "strict": strict}


@app.get("/names/{name}")
async def names(name: Annotated[str, Path(min_length=2, max_length=5, pattern="^[a-z]+$")]):
    return {"name": name}


@app.get("/required")
async def required(needle: str, count: Annotated[int, Query(gt=0, lt=10)]):
    return {"needle": needle, "count": count}


@app.get("/tags")
async def tags(tag: Annotated[list[int], Query()] = []):  # noqa: B006
    return {"tag": tag}


@app.get("/alias")
async def alias(item_query: Annotated[str, Query(alias="item-query")]):
    return {"v": item_query}


@app.get("/headers")
async def headers(x_token: Annotated[str, Header()], user_agent: Annotated[str | None, Header()] = None):
    return {"x_token": x_token, "ua": user_agent}


@app.get("/cookies")
async def cookies(session: Annotated[str, Cookie()], theme: Annotated[str, Cookie()] = "light"):
    return {"session": session, "theme": theme}


@app.get("/colors/{color}")
async def colors(color: Color):
    return {"color": color.value, "is_enum": isinstance(color, Color)}


@app.get("/modes")
async def modes(mode: Literal["fast", "slow"] = "fast"):
    return {"mode": mode}


@app.get("/ids/{id}")
async def ids(id: uuid.UUID):
    return {"id": str(id), "version": id.version}


@app.get("/files/{rest:path}")
async def files(rest: str):
    return {"rest": rest}


@app.get("/users/me")
async def me():
    return {"user": "me"}


@app.get("/users/{user_id}")
async def user(user_id: str):
    return {"user": user_id}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/items/3", {"item_id": 3, "q": None, "limit": 10}),
        ("/items/3?q=x", {"item_id": 3, "q": "x", "limit": 10}),
        ("/items/-7?limit=100", {"item_id": -7, "q": None, "limit": 100}),
        ("/items/3?q=a%20b&limit=1", {"item_id": 3, "q": "a b", "limit": 1}),
        ("/items/3?q=a+b", {"item_id": 3, "q": "a b", "limit": 10}),
        ("/items/3?limit=2&limit=3", {"item_id": 3, "q": None, "limit": 3}),
        ("/floats/1.5", {"x": 1.5, "strict": False}),
        ("/floats/2?strict=true", {"x": 2.0, "strict": True}),
        ("/floats/2?strict=yes", {"x": 2.0, "strict": True}),
        ("/floats/2?strict=0", {"x": 2.0, "strict": False}),
        ("/floats/2?strict=off", {"x": 2.0, "strict": False}),
        ("/names/abc", {"name": "abc"}),
        ("/required?needle=n&count=9", {"needle": "n", "count": 9}),
        ("/tags?tag=1&tag=2", {"tag": [1, 2]}),
        ("/tags", {"tag": []}),
        ("/alias?item-query=z", {"v": "z"}),
        ("/colors/red", {"color": "red", "is_enum": True}),
        ("/modes?mode=slow", {"mode": "slow"}),
        ("/modes", {"mode": "fast"}),
        ("/ids/f47ac10b-58cc-4372-a567-0e02b2c3d479", {"id": "f47ac10b-58cc-4372-a567-0e02b2c3d479", "version": 4}),
        ("/files/a/b/c.txt", {"rest": "a/b/c.txt"}),
        ("/users/me", {"user": "me"}),
        ("/users/42", {"user": "42"}),
        ("/users/%C3%A9t%C3%A9", {"user": "été"}),
    ],
)
def test_valid_parameters(client, url, expected):
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.json() == expected
    assert r.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("url", "kind", "loc", "msg", "ctx"),
    [
        (
            "/items/x",
            "int_parsing",
            ["path", "item_id"],
            "Input should be a valid integer, unable to parse string as an integer",
            None,
        ),
        (
            "/items/1.5",
            "int_parsing",
            ["path", "item_id"],
            "Input should be a valid integer, unable to parse string as an integer",
            None,
        ),
        (
            "/items/3?limit=0",
            "greater_than_equal",
            ["query", "limit"],
            "Input should be greater than or equal to 1",
            {"ge": 1},
        ),
        (
            "/items/3?limit=101",
            "less_than_equal",
            ["query", "limit"],
            "Input should be less than or equal to 100",
            {"le": 100},
        ),
        (
            "/floats/abc",
            "float_parsing",
            ["path", "x"],
            "Input should be a valid number, unable to parse string as a number",
            None,
        ),
        (
            "/floats/1?strict=maybe",
            "bool_parsing",
            ["query", "strict"],
            "Input should be a valid boolean, unable to interpret input",
            None,
        ),
        (
            "/names/a",
            "string_too_short",
            ["path", "name"],
            "String should have at least 2 characters",
            {"min_length": 2},
        ),
        (
            "/names/abcdef",
            "string_too_long",
            ["path", "name"],
            "String should have at most 5 characters",
            {"max_length": 5},
        ),
        (
            "/names/AB",
            "string_pattern_mismatch",
            ["path", "name"],
            "String should match pattern '^[a-z]+$'",
            {"pattern": "^[a-z]+$"},
        ),
        ("/required?count=1", "missing", ["query", "needle"], "Field required", None),
        ("/required?needle=a&count=0", "greater_than", ["query", "count"], "Input should be greater than 0", {"gt": 0}),
        ("/required?needle=a&count=10", "less_than", ["query", "count"], "Input should be less than 10", {"lt": 10}),
        (
            "/tags?tag=1&tag=x",
            "int_parsing",
            ["query", "tag", 1],
            "Input should be a valid integer, unable to parse string as an integer",
            None,
        ),
        ("/alias?item_query=z", "missing", ["query", "item-query"], "Field required", None),
        (
            "/colors/green",
            "enum",
            ["path", "color"],
            "Input should be 'red' or 'blue'",
            {"expected": "'red' or 'blue'"},
        ),
        (
            "/modes?mode=medium",
            "literal_error",
            ["query", "mode"],
            "Input should be 'fast' or 'slow'",
            {"expected": "'fast' or 'slow'"},
        ),
        (
            "/ids/not-a-uuid",
            "uuid_parsing",
            ["path", "id"],
            "Input should be a valid UUID, invalid character: found `n` at 0",
            {"error": "invalid character: found `n` at 0"},
        ),
    ],
)
def test_invalid_parameters_get_fastapi_422(client, url, kind, loc, msg, ctx):
    r = client.get(url)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert len(detail) == 1
    err = detail[0]
    assert err["type"] == kind
    assert err["loc"] == loc
    assert err["msg"] == msg
    assert err.get("ctx") == ctx


def test_all_errors_are_reported_together(client):
    r = client.get("/required?count=abc")
    assert r.status_code == 422
    kinds = [(e["type"], e["loc"]) for e in r.json()["detail"]]
    assert kinds == [("missing", ["query", "needle"]), ("int_parsing", ["query", "count"])]


def test_missing_input_is_null(client):
    err = client.get("/required?count=1").json()["detail"][0]
    assert err["input"] is None


def test_error_input_echoes_the_raw_value(client):
    assert client.get("/items/abc").json()["detail"][0]["input"] == "abc"


@pytest.mark.parametrize(
    ("hdrs", "expected"),
    [
        # The TestClient names itself as Starlette's does when no User-Agent is given.
        ({"x-token": "t1"}, {"x_token": "t1", "ua": "testclient"}),
        ({"X-Token": "T2", "User-Agent": "me"}, {"x_token": "T2", "ua": "me"}),
    ],
)
def test_headers_are_case_insensitive_with_underscores_converted(client, hdrs, expected):
    r = client.get("/headers", headers=hdrs)
    assert r.status_code == 200
    assert r.json() == expected


def test_missing_header_is_422(client):
    r = client.get("/headers")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "x-token"]


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        ("session=abc", {"session": "abc", "theme": "light"}),
        ("session=abc; theme=dark", {"session": "abc", "theme": "dark"}),
        ('theme=dark; session="q"', {"session": "q", "theme": "dark"}),
    ],
)
def test_cookies(client, cookie, expected):
    r = client.get("/cookies", headers={"cookie": cookie})
    assert r.status_code == 200
    assert r.json() == expected


def test_missing_cookie_is_422(client):
    r = client.get("/cookies", headers={"cookie": "theme=dark"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["cookie", "session"]


class _SeqItem(BaseModel):
    title: str


@pytest.mark.parametrize("tp", [list[_SeqItem], tuple[_SeqItem, _SeqItem], dict[str, _SeqItem], dict | None])
def test_query_parameters_of_models_in_collections_are_refused_at_definition(tp):
    from ouroboros.api import App, Query

    app = App()

    def read_items(q=Query(default=None)):  # noqa: B008
        return q

    read_items.__annotations__["q"] = tp
    with pytest.raises(AssertionError, match="Query parameter 'q' must be one of the supported types"):
        app.get("/items/")(read_items)


def test_repeated_values_of_a_set_parameter_are_one_item():
    sets = App()

    @sets.get("/f")
    def f(q: Annotated[frozenset[int], Query()], tags: Annotated[set[str], Query()] = set()):  # noqa: B006
        return {"q": sorted(q), "frozen": isinstance(q, frozenset), "tags": sorted(tags), "set": isinstance(tags, set)}

    with TestClient(sets) as c:
        r = c.get("/f?q=1&q=1&q=2&tags=a&tags=a")
        assert r.json() == {"q": [1, 2], "frozen": True, "tags": ["a"], "set": True}


def test_markers_in_annotated_are_checked_and_merged_as_in_fastapi():
    from ouroboros.api import Depends

    checked = App()
    with pytest.raises(AssertionError, match="Path parameters cannot have a default value"):

        @checked.get("/items/{item_id}")
        async def path_default(item_id: Annotated[int, Path(default=1)]):
            pass

    with pytest.raises(AssertionError, match="`Query` default value cannot be set in `Annotated` for 'q'"):

        @checked.get("/q")
        async def query_default(q: Annotated[int, Query(default=1)]):
            pass

    async def dep():
        return 1

    with pytest.raises(AssertionError, match="Cannot specify `Depends` in `Annotated` and default value together"):

        @checked.get("/d")
        async def both(x: Annotated[int, Depends(dep)] = Depends(dep)):
            pass

    with pytest.raises(AssertionError, match="FastAPI annotation in `Annotated` and `Depends` as a default"):

        @checked.get("/e")
        async def mixed(x: Annotated[int, Query(min_length=1)] = Depends(dep)):
            pass

    @checked.get("/multi")
    async def multi(foo: Annotated[int, Query(gt=2), Query(lt=10)]):
        return foo

    with TestClient(checked) as c:
        assert [c.get(f"/multi?foo={n}").status_code for n in (5, 123, 1)] == [200, 422, 422]


def test_deprecated_regex_and_example_options_warn_and_still_apply():
    from ouroboros.api import Body
    from ouroboros.api.exceptions import FastAPIDeprecationWarning

    with pytest.warns(FastAPIDeprecationWarning, match="`regex` has been deprecated, please use `pattern` instead"):
        marker = Query(regex="^fixed$")
    with pytest.warns(FastAPIDeprecationWarning, match="`example` has been deprecated, please use `examples` instead"):
        Body(example={"a": 1})
    old = App()

    @old.get("/")
    def read(q: Annotated[str, marker]):
        return q

    with TestClient(old) as client:
        assert client.get("/", params={"q": "fixed"}).json() == "fixed"
        r = client.get("/", params={"q": "other"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["type"] == "string_pattern_mismatch"


def test_alias_choices_of_headers_are_literal_and_of_paths_follow_the_route():
    from ouroboros.validation import AliasChoices

    routes = App()

    @routes.get("/header")
    def header(
        items: Annotated[list[str], Header(validation_alias=AliasChoices("item_values", "X-Tag"))] = ["none"],  # noqa: B006
    ):
        return items

    @routes.get("/path/{second}")
    def path(value: Annotated[int, Path(validation_alias=AliasChoices("first", "second"))]):
        return value

    @routes.get("/unmatched/{value}")
    def unmatched(value: Annotated[int, Path(validation_alias=AliasChoices("first", "second"))]):
        return value

    with TestClient(routes) as client:
        # A choice is the header's literal name (underscores are not made hyphens).
        assert client.get("/header", headers=[("item_values", "a"), ("item_values", "b")]).json() == ["a", "b"]
        assert client.get("/header", headers={"x-tag": "t"}).json() == ["t"]
        assert client.get("/header", headers={"item-values": "no"}).json() == ["none"]
        # A path parameter reads the first choice the route names, else its own name.
        assert client.get("/path/2").json() == 2
        assert client.get("/unmatched/3").json() == 3
        r = client.get("/unmatched/x")
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["path", "value"]
        params = {p["name"] for p in routes.openapi()["paths"]["/path/{second}"]["get"]["parameters"]}
        assert params == {"second"}


def test_json_list_parameter_is_one_value_of_json_text():
    from ouroboros.validation import Json

    routes = App()

    @routes.get("/items")
    def items(items: Annotated[Json[list[str]], Query()]) -> list[str]:
        return items

    with TestClient(routes) as client:
        assert client.get("/items", params={"items": '["abc", "def"]'}).json() == ["abc", "def"]
        r = client.get("/items", params={"items": "[1"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["type"] == "json_invalid"
