"""Strict mode on the types validated by a Python function (paths, IP addresses, Fraction,
deque, Counter, OrderedDict): Python input must already be of the type, JSON input is still
parsed from text; each outcome is compared with Pydantic's."""

from __future__ import annotations

import collections
import ipaddress
import os
import pathlib
from fractions import Fraction
from typing import Any

import pydantic
import pytest

from ouroboros.validation import BaseModel, ConfigDict, TypeAdapter, ValidationError

CASES: list[tuple[Any, Any, Any]] = [
    # (type, a Python value of another type, a value of the type)
    (pathlib.Path, "/tmp/x", pathlib.Path("/tmp/x")),
    (os.PathLike, "/tmp/x", pathlib.Path("/tmp/x")),
    (ipaddress.IPv4Address, "10.0.0.1", ipaddress.IPv4Address("10.0.0.1")),
    (ipaddress.IPv6Network, "2001:db00::/120", ipaddress.IPv6Network("2001:db00::/120")),
    (Fraction, "1/3", Fraction(1, 3)),
    (collections.deque[int], [1, 2], collections.deque([1, 2])),
    (collections.Counter[str], {"a": 1}, collections.Counter({"a": 1})),
    (collections.OrderedDict[str, int], {"a": 1}, collections.OrderedDict({"a": 1})),
]


def _errors(exc: Exception) -> list[tuple[str, tuple[Any, ...], str]]:
    return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]  # type: ignore[attr-defined]


def _ours(tp: Any, value: Any, **kw: Any) -> Any:
    try:
        return ("ok", TypeAdapter(tp).validate_python(value, **kw))
    except ValidationError as exc:
        return ("error", _errors(exc))


def _theirs(tp: Any, value: Any, **kw: Any) -> Any:
    try:
        return ("ok", pydantic.TypeAdapter(tp).validate_python(value, **kw))
    except pydantic.ValidationError as exc:
        return ("error", _errors(exc))


@pytest.mark.parametrize(("tp", "other", "own"), CASES, ids=lambda c: getattr(c, "__name__", None) or repr(c)[:20])
def test_strict_call_refuses_other_python_types_as_pydantic(tp, other, own):
    got = _ours(tp, other, strict=True)
    assert got[0] == "error"
    assert got == _theirs(tp, other, strict=True)
    # Lax mode converts, strict mode takes the type itself.
    assert _ours(tp, other) == ("ok", own)
    assert _ours(tp, own, strict=True) == ("ok", own)


@pytest.mark.parametrize(("tp", "other", "own"), CASES, ids=lambda c: getattr(c, "__name__", None) or repr(c)[:20])
def test_strict_config_refuses_but_json_still_parses(tp, other, own):
    class Model(BaseModel):
        model_config = ConfigDict(strict=True)
        v: tp

    with pytest.raises(ValidationError) as info:
        Model(v=other)
    assert info.value.errors()[0]["loc"] == ("v",)
    assert Model(v=own).v == own

    class Theirs(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(strict=True, arbitrary_types_allowed=True)
        v: tp

    payload = Theirs(v=own).model_dump_json()
    assert Model.model_validate_json(payload).v == Theirs.model_validate_json(payload).v == own


def test_ip_strict_error_names_the_class():
    class Model(BaseModel):
        model_config = ConfigDict(strict=True)
        v: ipaddress.IPv6Interface

    with pytest.raises(ValidationError) as info:
        Model(v="2001:db00::/120")
    assert info.value.errors(include_url=False) == [
        {
            "type": "is_instance_of",
            "loc": ("v",),
            "msg": "Input should be an instance of IPv6Interface",
            "input": "2001:db00::/120",
            "ctx": {"class": "IPv6Interface"},
        }
    ]


@pytest.mark.parametrize(
    ("tp", "value"),
    [
        ("re.Pattern[str]", b"ab+"),
        ("re.Pattern[str]", "re.compile(b'ab')"),
        ("re.Pattern[bytes]", "ab+"),
        ("re.Pattern[bytes]", "re.compile('ab')"),
        ("re.Pattern[str]", "ab+"),
        ("re.Pattern[bytes]", b"ab+"),
        ("re.Pattern", ()),
        ("re.Pattern", "[xx"),
    ],
)
def test_pattern_of_str_or_bytes_as_pydantic(tp, value):
    import re  # noqa: F401 - used by eval

    annotation = eval(tp)
    if isinstance(value, str) and value.startswith("re.compile"):
        value = eval(value)
    got, want = _ours(annotation, value), _theirs(annotation, value)
    if got[0] == "ok":
        assert want[0] == "ok" and got[1].pattern == want[1].pattern
    else:
        assert got == want


def test_pattern_dumps_as_its_source_as_pydantic():
    import re

    pattern = re.compile("a+")

    class Model(BaseModel):
        p: re.Pattern[str]

    m = Model(p=pattern)
    assert m.model_dump()["p"] is pattern
    assert m.model_dump(mode="json") == {"p": "a+"}
    assert m.model_dump_json() == '{"p":"a+"}'
    ta, theirs = TypeAdapter(re.Pattern), pydantic.TypeAdapter(re.Pattern)
    assert ta.dump_json(pattern) == theirs.dump_json(pattern) == b'"a+"'
    assert ta.dump_python(pattern, mode="json") == theirs.dump_python(pattern, mode="json") == "a+"
