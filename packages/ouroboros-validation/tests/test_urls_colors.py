"""URL objects (url crate normalisation, multi-host DSNs, defaults) and Color."""

import pickle
import warnings

import pytest
from conftest import one_error

from ouroboros.validation import AnyUrl, BaseModel, HttpUrl, MongoDsn, PostgresDsn, RedisDsn, TypeAdapter
from ouroboros.validation.color import Color
from ouroboros.validation.core import PydanticCustomError
from ouroboros.validation.warnings import PydanticDeprecatedSince20


def test_url_is_an_object_not_a_str():
    url = TypeAdapter(HttpUrl).validate_python("HTTPS://Example.COM")
    assert not isinstance(url, str)
    assert str(url) == "https://example.com/"
    assert repr(url) == "HttpUrl('https://example.com/')"
    assert url == HttpUrl("https://example.com")
    assert url != "https://example.com/"
    assert url != AnyUrl("https://example.com")
    assert hash(url) == hash(HttpUrl("https://example.com/"))
    assert pickle.loads(pickle.dumps(url)) == url


def test_url_parts_and_idna():
    url = AnyUrl("http://user:pw@£££.org:8080/a/b?x=1&y=#frag")
    assert (url.scheme, url.username, url.password, url.host, url.port) == ("http", "user", "pw", "xn--9aaa.org", 8080)
    assert (url.path, url.query, url.fragment) == ("/a/b", "x=1&y=", "frag")
    assert url.query_params() == [("x", "1"), ("y", "")]
    assert url.unicode_host() == "£££.org"
    assert AnyUrl("https://example.org").port == 443
    assert AnyUrl("file:///tmp/data").host is None


def test_validated_instance_passes_unchanged():
    url = HttpUrl("https://a.example")
    assert TypeAdapter(AnyUrl).validate_python(url) is url


def test_url_ordering_only_within_a_class():
    assert AnyUrl("https://a.com") < AnyUrl("https://b.com")
    with pytest.raises(TypeError):
        _ = AnyUrl("https://a.com") < HttpUrl("https://b.com")


@pytest.mark.parametrize(
    ("value", "msg"),
    [
        ("", "Input should be a valid URL, input is empty"),
        ("/relative", "Input should be a valid URL, relative URL without a base"),
        ("http://example.com:99999", "Input should be a valid URL, invalid port number"),
        ("http://[192.168.1.1]:8329", "Input should be a valid URL, invalid IPv6 address"),
    ],
)
def test_url_errors_in_the_parser_words(value, msg):
    error = one_error(AnyUrl, value)
    assert (error["type"], error["msg"]) == ("url_parsing", msg)


def test_url_dumps():
    class M(BaseModel):
        u: HttpUrl

    m = M(u="http://example.com")
    assert m.model_dump()["u"] == HttpUrl("http://example.com/")
    assert m.model_dump_json() == '{"u":"http://example.com/"}'


def test_multi_host_dsn():
    dsn = PostgresDsn("postgres://user:pass@Host1:5432,host2:6432/app")
    # Hosts of non-special schemes keep their case (WHATWG opaque hosts), as in Pydantic.
    assert str(dsn) == "postgres://user:pass@Host1:5432,host2:6432/app"
    assert dsn.hosts() == [
        {"username": "user", "password": "pass", "host": "Host1", "port": 5432},
        {"username": None, "password": None, "host": "host2", "port": 6432},
    ]
    assert one_error(PostgresDsn, "mysql://h/db")["type"] == "url_scheme"


def test_dsn_defaults():
    assert str(RedisDsn("redis://")) == "redis://localhost:6379/0"
    assert str(MongoDsn("mongodb://db.local/app")) == "mongodb://db.local:27017/app"


@pytest.mark.parametrize(
    ("raw", "rgb"),
    [
        ("aliceblue", (240, 248, 255)),
        ("#DAB", (221, 170, 187)),
        ("0x777777cc", (119, 119, 119, 0.8)),
        ("rgba(0, 0, 128, 60%)", (0, 0, 128, 0.6)),
        ("hsl(270, 60%, 70%)", (178, 133, 224)),
        ((0, 0, 205, 1.0), (0, 0, 205)),
    ],
)
def test_color_parsing(raw, rgb):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PydanticDeprecatedSince20)
        assert Color(raw).as_rgb_tuple() == rgb


def test_color_formats_and_errors():
    with pytest.warns(PydanticDeprecatedSince20):
        red = Color("red")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PydanticDeprecatedSince20)
        assert (red.as_hex(), red.as_rgb(), red.as_hsl(), str(red)) == (
            "#f00",
            "rgb(255, 0, 0)",
            "hsl(0, 100%, 50%)",
            "red",
        )
        assert repr(Color((1, 2, 3))) == "Color('#010203', rgb=(1, 2, 3))"
        with pytest.raises(PydanticCustomError) as exc:
            Color("chucknorris")
        assert exc.value.type == "color_error"

        class M(BaseModel):
            c: Color

        assert M(c="#000").model_dump_json() == '{"c":"black"}'
        assert M.model_json_schema()["properties"]["c"] == {"title": "C", "type": "string", "format": "color"}
        error = one_error(Color, "snot")
        assert (error["type"], error["msg"]) == (
            "color_error",
            "value is not a valid color: string not recognised as a valid color",
        )
