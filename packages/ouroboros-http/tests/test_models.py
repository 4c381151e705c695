"""Value types: Timeout, Limits, Retry, Request; client argument validation."""

from __future__ import annotations

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.http import USE_CLIENT_DEFAULT, HttpClient, Limits, Request, Retry, Timeout


def test_timeout_forms():
    assert Timeout(5).as_tuple() == (5.0, 5.0, 5.0, 5.0, None)
    assert Timeout(5, connect=1).as_tuple() == (1.0, 5.0, 5.0, 5.0, None)
    assert Timeout(None).as_tuple() == (None, None, None, None, None)
    assert Timeout(connect=1, read=2, write=3, pool=4).as_tuple() == (1.0, 2.0, 3.0, 4.0, None)
    assert Timeout(Timeout(2, read=7)).as_tuple() == (2.0, 7.0, 2.0, 2.0, None)
    assert Timeout((1, 2, 3, 4)).as_tuple() == (1, 2, 3, 4, None)
    assert Timeout(5, total=30).total == 30.0
    assert Timeout(5) == Timeout(5.0)
    assert hash(Timeout(5)) == hash(Timeout(5.0))
    assert repr(Timeout(1)) == "Timeout(timeout=1.0)"


@pytest.mark.parametrize(
    ("timeout", "phases"),
    [
        (5, (5.0, 5.0, 5.0, 5.0, None)),
        (Timeout(5, read=9), (5.0, 9.0, 5.0, 5.0, None)),
        (Timeout(5, total=2), (5.0, 5.0, 5.0, 5.0, 2.0)),
        (None, (None, None, None, None, None)),
        ({"connect": 1, "read": 2, "write": 3, "pool": 4}, (1.0, 2.0, 3.0, 4.0, None)),
    ],
)
def test_per_request_timeout_phases(timeout, phases):
    from ouroboros.http._client import _request_timeout
    from ouroboros.http._models import USE_CLIENT_DEFAULT

    assert _request_timeout(timeout) == phases
    assert _request_timeout(USE_CLIENT_DEFAULT) is None


@pytest.mark.parametrize("kwargs", [{"connect": 1}, {"read": 1, "write": 2}])
def test_timeout_needs_a_default_or_all_phases(kwargs):
    with pytest.raises(InvalidArgumentError, match="needs a default"):
        Timeout(**kwargs)


@pytest.mark.parametrize("bad", [-1, "1", True, [1]])
def test_timeout_rejects_bad_values(bad):
    with pytest.raises(InvalidArgumentError, match="seconds"):
        Timeout(5, read=bad)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_connections": 0},
        {"max_connections": -5},
        {"max_keepalive_connections": -1},
        {"keepalive_expiry": -1},
        {"max_connections": 1.5},
        {"max_connections": True},
    ],
)
def test_limits_validation(kwargs):
    with pytest.raises(InvalidArgumentError):
        Limits(**kwargs)


def test_limits_defaults():
    assert Limits() == Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
    assert Limits(max_connections=None).max_connections is None


def test_retry_tuple_is_sorted_and_upper_case():
    r = Retry(retries=2, methods=frozenset({"get", "post"}), status_codes=frozenset({503, 429}))
    assert r.as_tuple()[4] == [429, 503]
    assert r.as_tuple()[5] == ["GET", "POST"]


def test_request_object():
    r = Request("post", "http://h/x", headers={"A": "1"}, json={"k": [1]})
    assert r.method == "POST"
    assert r.headers["a"] == "1"
    assert r.headers["content-type"] == "application/json"
    assert r.content == b'{"k":[1]}'
    assert r.json() == {"k": [1]}
    assert repr(r) == "<Request('POST', 'http://h/x')>"
    assert Request("GET", "http://h", content="text").content == b"text"


def test_use_client_default_is_a_falsy_singleton():
    assert not USE_CLIENT_DEFAULT
    assert repr(USE_CLIENT_DEFAULT) == "USE_CLIENT_DEFAULT"
    assert type(USE_CLIENT_DEFAULT)() is USE_CLIENT_DEFAULT


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"limits": (1, 2)}, "limits="),
        ({"max_redirects": -1}, "max_redirects"),
        ({"timeout": "slow"}, "seconds"),
        ({"timeout": -3}, "seconds"),
    ],
)
def test_client_argument_validation(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        HttpClient(**kwargs)


def test_exported_names():
    import ouroboros.http as http

    for name in http.__all__:
        assert hasattr(http, name), name
    assert http.AsyncClient is http.HttpClient


def test_url_compares_with_str_and_has_parts():
    from ouroboros.http import URL

    u = URL("https://user@api.example.com:8443/v1/items?a=1&b=x%20y&a=2#frag")
    assert u == "https://user@api.example.com:8443/v1/items?a=1&b=x%20y&a=2#frag"
    assert str(u) == "https://user@api.example.com:8443/v1/items?a=1&b=x%20y&a=2#frag"
    assert not isinstance(u, str)
    assert (u.scheme, u.host, u.port, u.path, u.fragment) == ("https", "api.example.com", 8443, "/v1/items", "frag")
    assert u.query == b"a=1&b=x%20y&a=2"
    assert dict(u.params) == {"a": "1", "b": "x y"}
    assert u.params.get_list("a") == ["1", "2"]
    assert URL("http://h").path == "/"
    assert URL("http://h").port is None
