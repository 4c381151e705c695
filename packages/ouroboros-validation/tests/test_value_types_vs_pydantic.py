"""Values of the standard-library and Pydantic types, dumped and validated: the same code
under Pydantic and ouroboros.validation (Base64 types, Fraction, named tuples, deques,
secrets, ``ser_json_inf_nan``/``ser_json_bytes``, after-validator error inputs, Decimal
input to bool and temporal types, strict enums)."""

import collections
import datetime
import json
import math
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, NamedTuple

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])


def _errors(call: Any, *args: Any) -> list[dict[str, Any]]:
    try:
        call(*args)
    except (pydantic.ValidationError, ov.ValidationError) as exc:
        return [{k: e[k] for k in ("type", "loc", "msg", "input")} for e in exc.errors()]
    return []


class Point(NamedTuple):
    x: int
    y: str


def _base64(lib: Any) -> Any:
    class M(lib.BaseModel):
        data: lib.Base64Bytes
        text: lib.Base64Str
        url: lib.Base64UrlBytes
        url_text: lib.Base64UrlStr | None = None

    m = M(data="aGVsbG8=", text=b"aGk=", url=bytearray(b"-_8="), url_text="aGk=")
    # "a" has a bad padding; "!!" holds no base64 character (read as empty, as Python's b64decode does).
    return (
        (m.data, m.text, m.url, m.url_text),
        m.model_dump(),
        m.model_dump(mode="json"),
        m.model_dump_json(),
        M.model_json_schema(),
        _errors(M.model_validate, {"data": "a", "text": "aGk=", "url": "aGk="}),
        M(data="!!", text="aGk=", url="aGk=").data,
    )


def test_base64_types_match_pydantic():
    assert _base64(ov) == _base64(pydantic)


def _fraction(lib: Any) -> Any:
    ta = lib.TypeAdapter(Fraction)
    bounded = lib.TypeAdapter(Annotated[Fraction, lib.Field(ge=Fraction(1), lt=3)])

    class M(lib.BaseModel):
        f: Fraction
        items: list[Fraction]
        anything: Any = None

    m = M(f="1/3", items=["1/4", 2], anything=Fraction(1, 5))
    return (
        [ta.dump_python(Fraction(n, d)) for n, d in [(0, 1), (1, 3), (-1, 2), (85, 2)]],
        ta.dump_json(Fraction(1, 3)),
        m.model_dump(),
        m.model_dump_json(),
        ta.json_schema(),
        ta.json_schema(mode="serialization"),
        bounded.json_schema(),
        bounded.json_schema(mode="serialization"),
    )


def test_fraction_dumps_and_schema_match_pydantic():
    assert _fraction(ov) == _fraction(pydantic)


@pytest.mark.parametrize("step", [0, Fraction(0), Fraction(-1, 3)])
def test_fraction_multiple_of_must_be_positive(step: Any):
    import pydantic_core

    from ouroboros.validation.core import SchemaError

    with pytest.raises(pydantic_core.SchemaError, match="'multiple_of' must be greater than 0"):
        pydantic.TypeAdapter(Annotated[Fraction, pydantic.Field(multiple_of=step)])
    with pytest.raises(SchemaError, match="'multiple_of' must be greater than 0"):
        ov.TypeAdapter(Annotated[Fraction, ov.Field(multiple_of=step)])


def _named_tuples(lib: Any) -> Any:
    hex_int = Annotated[int, lib.PlainSerializer(hex, return_type=str)]

    class NT(NamedTuple):
        x: hex_int
        y: int = 0

    class A(NamedTuple):
        x: Annotated[int, lib.PlainSerializer(lambda v: v + 1)]

    class B(NamedTuple):
        x: Annotated[int, lib.PlainSerializer(lambda v: v + 2)]

    class M(lib.BaseModel):
        p: Point
        anything: Any = None

    ta = lib.TypeAdapter(Point)
    dumped = ta.dump_python(Point(1, "a"))
    m = M(p=(1, "a"), anything=Point(2, "b"))
    return (
        dumped,
        type(dumped),
        ta.dump_python(Point(1, "a"), mode="json"),
        ta.dump_json(Point(1, "a")),
        ta.dump_python(Point(1, "a"), include={0}),
        ta.dump_python(Point(1, "a"), exclude={0}),
        lib.TypeAdapter(NT).dump_python(NT(255)),
        lib.TypeAdapter(NT).dump_json(NT(255)),
        lib.TypeAdapter(A | B).dump_json(A(0)),
        lib.TypeAdapter(A | B).dump_json(B(0)),
        lib.TypeAdapter(dict[Point, int]).dump_json({Point(1, "a"): 2}),
        lib.TypeAdapter(dict[tuple[int, str], int]).dump_python({(1, "a"): 2}, mode="json"),
        m.model_dump(),
        type(m.model_dump()["anything"]),
        m.model_dump_json(),
    )


def test_named_tuples_dump_as_pydantic():
    assert _named_tuples(ov) == _named_tuples(pydantic)


def _plain_serializers_in_adapter(lib: Any) -> Any:
    doubled = Annotated[int, lib.PlainSerializer(lambda v: v * 2)]
    json_only = Annotated[int, lib.PlainSerializer(str, when_used="json")]
    return [
        (
            lib.TypeAdapter(t).dump_python(v),
            lib.TypeAdapter(t).dump_python(v, mode="json"),
            lib.TypeAdapter(t).dump_json(v),
        )
        for t, v in [
            (doubled, 3),
            (list[doubled], [1, 2]),
            (dict[str, doubled], {"a": 1}),
            (json_only, 5),
            (doubled | None, None),
        ]
    ]


def test_plain_serializers_apply_in_type_adapter_dumps():
    assert _plain_serializers_in_adapter(ov) == _plain_serializers_in_adapter(pydantic)


def _deque(lib: Any) -> Any:
    ta = lib.TypeAdapter(collections.deque[int])
    dq = collections.deque([1, 2, 3], maxlen=5)
    dumped = ta.dump_python(dq)
    return dumped, dumped.maxlen, dumped is dq, ta.dump_python(dq, mode="json"), ta.dump_json(dq)


def test_deque_dump_keeps_maxlen_as_pydantic():
    assert _deque(ov) == _deque(pydantic)


@pytest.mark.parametrize("mode", ["null", "constants", "strings"])
def test_ser_json_inf_nan_matches_pydantic(mode: str):
    def run(lib: Any) -> Any:
        ta = lib.TypeAdapter(list[float], config=lib.ConfigDict(ser_json_inf_nan=mode))

        class M(lib.BaseModel):
            model_config = lib.ConfigDict(ser_json_inf_nan=mode)
            values: list[float]

        values = [1.5, math.inf, -math.inf]
        # (dump_python(mode="json") is not compared: Pydantic keeps inf for a float but gives
        # None for the same value typed Any; ouroboros dumps by the runtime type.)
        return ta.dump_json(values), M(values=values).model_dump_json()

    assert run(ov) == run(pydantic)


def test_ser_json_inf_nan_nan_matches_pydantic():
    for mode in ("null", "constants", "strings"):
        ours = ov.TypeAdapter(float, config=ov.ConfigDict(ser_json_inf_nan=mode)).dump_json(math.nan)
        theirs = pydantic.TypeAdapter(float, config=pydantic.ConfigDict(ser_json_inf_nan=mode)).dump_json(math.nan)
        assert ours == theirs


@pytest.mark.parametrize("mode", ["utf8", "base64", "hex"])
def test_ser_json_bytes_matches_pydantic(mode: str):
    def run(lib: Any) -> Any:
        class M(lib.BaseModel):
            model_config = lib.ConfigDict(ser_json_bytes=mode)
            key: bytes

        ta = lib.TypeAdapter(bytes, config=lib.ConfigDict(ser_json_bytes=mode))
        return M(key=b"hello?>").model_dump_json(), ta.dump_json(b"\xfb\xff" if mode != "utf8" else b"ok")

    assert run(ov) == run(pydantic)


def _after_inputs(lib: Any) -> Any:
    def refuse(v: Any) -> Any:
        raise ValueError("no")

    out = []
    for tp, value in [
        (Annotated[int, lib.AfterValidator(refuse)], "5"),
        (list[Annotated[int, lib.AfterValidator(refuse)]], ["5"]),
        (lib.FilePath, "no-such-file.txt"),
        (lib.DirectoryPath, "no-such-dir"),
    ]:
        ta = lib.TypeAdapter(tp)
        out.append(_errors(ta.validate_python, value))
        out.append(_errors(ta.validate_json, json.dumps(value)))
    return out


def test_after_validator_errors_name_the_input_as_pydantic():
    assert _after_inputs(ov) == _after_inputs(pydantic)


def _decimals(lib: Any) -> Any:
    out = []
    for tp in (bool, datetime.date, datetime.datetime, datetime.time, datetime.timedelta):
        for value in (Decimal("0"), Decimal("1"), Decimal("1.0"), Decimal("2"), Decimal("0.5"), Decimal("1493942400")):
            try:
                out.append(lib.TypeAdapter(tp).validate_python(value))
            except (pydantic.ValidationError, ov.ValidationError) as exc:
                out.append(exc.errors()[0]["type"])
    return out


def test_decimal_input_to_bool_and_temporal_types_as_pydantic():
    assert _decimals(ov) == _decimals(pydantic)


def _secrets(lib: Any) -> Any:
    class SecretDate(lib.Secret[datetime.date]):
        def _display(self) -> str:
            return "****/**/**"

    class M(lib.BaseModel):
        day: SecretDate
        number: lib.Secret[int]
        positive: lib.Secret[Annotated[int, lib.Field(gt=0)]] = None
        raw: lib.SecretBytes

    m = M(day="2012-04-23", number="7", positive=3, raw=b"x")
    return (
        type(m.day).__name__,
        str(m.day),
        repr(m.day),
        m.day.get_secret_value(),
        m.number.get_secret_value(),
        repr(m.number),
        str(m.raw),
        repr(m.raw),
        m.model_dump_json(),
        M.model_json_schema(),
        [e["type"] for e in _errors(M.model_validate, {"day": "not a date", "number": 1, "positive": 0})],
        M(day=m.day, number=m.number, raw=m.raw).day.get_secret_value(),
    )


def test_secret_generic_types_match_pydantic():
    assert _secrets(ov) == _secrets(pydantic)


def _strict_enum(lib: Any) -> Any:
    import enum

    class Colour(enum.Enum):
        RED = 1

    ta = lib.TypeAdapter(Colour, config=lib.ConfigDict(strict=True))
    return (
        [{k: e[k] for k in ("type", "msg")} for e in _errors(ta.validate_python, 1)],
        ta.validate_json("1").name,
        ta.validate_python(Colour.RED).name,
    )


def test_strict_enum_refuses_values_as_pydantic():
    assert _strict_enum(ov) == _strict_enum(pydantic)


def _json_encoders(lib: Any) -> Any:
    import warnings

    class Inner(lib.BaseModel):
        x: int

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)

        class M(lib.BaseModel):
            model_config = lib.ConfigDict(
                json_encoders={
                    datetime.timedelta: lambda v: f"{v.total_seconds():0.1f}s",
                    Decimal: lambda v: "dec",
                    Inner: lambda v: "inner!",
                }
            )
            span: datetime.timedelta
            spans: list[datetime.timedelta]
            maybe: Decimal | None = None
            own: Annotated[datetime.timedelta, lib.PlainSerializer(lambda _: "own")]
            inner: Inner

        ta = lib.TypeAdapter(int, config=lib.ConfigDict(json_encoders={int: lambda v: f"n{v}"}))
        m = M(span=3, spans=[1, 2], maybe="1.5", own=1, inner={"x": 1})
        return m.model_dump(), m.model_dump_json(), ta.dump_json(2), ta.dump_python(2)


def test_json_encoders_match_pydantic():
    assert _json_encoders(ov) == _json_encoders(pydantic)


def test_json_encoders_warn_deprecated():
    with pytest.warns(DeprecationWarning, match="json_encoders"):

        class M(ov.BaseModel):
            model_config = ov.ConfigDict(json_encoders={int: str})
            x: int


def _ensure_ascii(lib: Any) -> Any:
    class M(lib.BaseModel):
        f: str
        g: list[str]

    m = M(f="à", g=["€", "𝄞", "plain"])
    return m.model_dump_json(ensure_ascii=True), lib.TypeAdapter(str).dump_json("à€", ensure_ascii=True)


def test_ensure_ascii_matches_pydantic():
    assert _ensure_ascii(ov) == _ensure_ascii(pydantic)


def test_generators_dump_as_arrays_in_json_as_pydantic():
    def run(lib: Any) -> Any:
        ta = lib.TypeAdapter(Any)
        return ta.dump_json(i for i in range(3)), ta.dump_python(iter([1, 2]), mode="json")

    assert run(ov) == run(pydantic)


def _enums(lib: Any) -> Any:
    import enum

    class Tool(enum.IntEnum):
        SPANNER = 1
        WRENCH = 2

    seen: list[Any] = []

    class Fallback(enum.Enum):
        A = 1
        B = 2

        @classmethod
        def _missing_(cls, value: Any) -> Any:
            seen.append(value)
            if value == 9:
                raise ValueError("nope")
            return cls.B if value != 8 else None

    tool = lib.TypeAdapter(Tool)
    fb = lib.TypeAdapter(Fallback)
    return (
        tool.validate_python("2").name,
        [e["type"] for e in _errors(tool.validate_python, "x")],
        fb.validate_python(3).name,
        fb.validate_json("3").name,
        fb.validate_json('"3"').name,
        [e["type"] for e in _errors(fb.validate_python, 9)],
        [e["type"] for e in _errors(fb.validate_python, 8)],
        seen,
    )


def test_enum_missing_and_int_enum_text_match_pydantic():
    assert _enums(ov) == _enums(pydantic)


def _field_infos(lib: Any) -> Any:
    import annotated_types

    class M(lib.BaseModel):
        a: Annotated[int, annotated_types.Gt(0)] = 5
        b: int = lib.Field(gt=0, le=9, multiple_of=3)
        c: Annotated[int, annotated_types.Lt(2)] = lib.Field(5, gt=0)
        d: Annotated[int, lib.Field(alias="dee")]
        e: str = lib.Field("x", pattern="^x", min_length=1, alias="ee", validation_alias="vee")
        f: Annotated[int, "unknown"] = 1

    return {name: (repr(info), info.metadata) for name, info in M.model_fields.items()}


def test_field_info_metadata_and_repr_match_pydantic():
    ours, theirs = _field_infos(ov), _field_infos(pydantic)
    assert {k: v[0] for k, v in ours.items()} == {k: v[0] for k, v in theirs.items()}
    assert {k: repr(v[1]) for k, v in ours.items()} == {k: repr(v[1]) for k, v in theirs.items()}


def _aliases(lib: Any) -> Any:
    def upper(name: str) -> str:
        return name.upper()

    class Parent(lib.BaseModel):
        model_config = lib.ConfigDict(alias_generator=lambda n: n + "1")
        x: int
        y: int = lib.Field(0, alias="why")

    class Child(Parent):
        model_config = lib.ConfigDict(alias_generator=lambda n: n + "2")

    class Box(lib.BaseModel):
        model_config = lib.ConfigDict(
            alias_generator=lib.AliasGenerator(validation_alias=upper, serialization_alias=lambda n: n + "_out")
        )
        width: int

        @lib.computed_field
        def area(self) -> int:
            return self.width * 2

    def infos(model: Any) -> Any:
        return {
            n: (f.alias, f.validation_alias, f.serialization_alias, f.alias_priority)
            for n, f in model.model_fields.items()
        }

    box = Box(WIDTH=3)
    errors = []
    for bad in (1, None):
        try:

            class Bad(lib.BaseModel):
                model_config = lib.ConfigDict(alias_generator=lib.AliasGenerator(alias=lambda n, bad=bad: bad))
                a: int

        except TypeError as exc:
            errors.append(str(exc)[:40])
    try:
        lib.Field(validation_alias=123)
    except TypeError as exc:
        errors.append(str(exc))
    return (
        infos(Parent),
        infos(Child),
        Child(x2=1, why=2).model_dump(by_alias=True),
        box.model_dump(by_alias=True),
        Box.model_computed_fields["area"].alias,
        errors,
        repr(lib.AliasPath("a", 1).search_dict_for_path({"a": "hello"})),
    )


def test_aliases_match_pydantic():
    assert _aliases(ov) == _aliases(pydantic)


def _import_strings(lib: Any) -> Any:
    class M(lib.BaseModel):
        any_obj: lib.ImportString
        func: lib.ImportString[Any] = "math:cos"
        listed: list[lib.ImportString] = []

    m = M(any_obj="collections.abc.Mapping", listed=["math", "os.path", "builtins.list"])
    errors = [
        [{k: e[k] for k in ("type", "msg")} for e in _errors(M.model_validate, {"any_obj": path})]
        for path in ("collections:abc:Mapping", ":Mapping", "collections.abc.def", "123_collections:Mapping")
    ]
    return m.model_dump_json(), m.model_dump(mode="json"), errors


def test_import_string_dumps_and_errors_match_pydantic():
    assert _import_strings(ov) == _import_strings(pydantic)


def _byte_sizes(lib: Any) -> Any:
    class M(lib.BaseModel):
        size: lib.ByteSize

    values = ["1.5 K", "1.5 M", "6.2EiB", "1b", "3 G", 1024]
    out = [
        (int(M(size=v).size), M(size=v).size.human_readable(), M(size=v).size.human_readable(decimal=True))
        for v in values
    ]
    out.append([e["type"] for e in _errors(M.model_validate, {"size": "1" * 310 + "KB"})])
    out.append([e["type"] for e in _errors(M.model_validate, {"size": "1Gi"})])
    return out


def test_byte_size_matches_pydantic():
    assert _byte_sizes(ov) == _byte_sizes(pydantic)


def _fail_fast_and_transforms(lib: Any) -> Any:
    class M(lib.BaseModel):
        a: list[int] = lib.Field([], fail_fast=True)
        b: Annotated[lib.EmailStr, lib.StringConstraints(to_lower=True, strip_whitespace=True)] = "a@b.com"

    return (
        [(e["type"], e["loc"]) for e in _errors(M.model_validate, {"a": [1, "x", "y"]})],
        M(b=" uSeR@ExAmPlE.com  ").b,
    )


def test_field_fail_fast_and_str_transforms_on_email_match_pydantic():
    assert _fail_fast_and_transforms(ov) == _fail_fast_and_transforms(pydantic)


def _urls(lib: Any) -> Any:
    out = []
    for tp in (lib.AnyUrl, lib.HttpUrl):
        plain = lib.TypeAdapter(tp)
        kept = lib.TypeAdapter(tp, config={"url_preserve_empty_path": True})
        marked = lib.TypeAdapter(Annotated[tp, lib.UrlConstraints(preserve_empty_path=True)])
        for text in ("http://example.com", "http://example.com?q=1", "http://example.com/", "http://example.com/a"):
            out.append(
                (str(plain.validate_python(text)), str(kept.validate_python(text)), str(marked.validate_python(text)))
            )
        out.append(str(plain.validate_python(b"https://www.example.com")))
        out.append([e["type"] for e in _errors(plain.validate_python, b"\xff")])
    return out


def test_url_empty_path_and_bytes_match_pydantic():
    assert _urls(ov) == _urls(pydantic)


def _missing_sentinel(lib: Any) -> Any:
    missing = lib.MISSING

    class Inner(lib.BaseModel):
        f1: int | missing = missing
        f2: int | missing = missing

    class Model(lib.BaseModel):
        f: int | missing = missing
        g: missing = missing
        n: missing | None = missing
        inner: Inner | missing = missing
        items: list[int | missing] = []
        small: Annotated[int | missing, lib.Field(ge=1)] = missing
        skipped: int = lib.Field(0, exclude_if=lambda v: v == 0)

    m = Model(inner={"f1": 1}, items=[1], n=None)
    return (
        m.model_dump(),
        m.model_dump_json(),
        Model().model_dump(),
        Model(f=1, skipped=2).model_dump(),
        Model.model_validate({"f": missing}).f is missing,
        [(e["type"], e["loc"]) for e in _errors(Model.model_validate, {"f": "x", "n": 1, "small": 0, "items": ["y"]})],
        [e["type"] for e in _errors(lib.TypeAdapter(missing).validate_python, 1)],
        repr(lib.TypeAdapter(list[int | missing]).validate_python([1, missing])),
        Model.model_json_schema(),
    )


def test_missing_sentinel_and_exclude_if_match_pydantic():
    assert _missing_sentinel(ov) == _missing_sentinel(pydantic)


def test_path_like_json_schema_matches_pydantic():
    import os

    def run(lib: Any) -> Any:
        class M(lib.BaseModel):
            foo: os.PathLike

        return M.model_json_schema(), M(foo="/a").foo

    assert run(ov) == run(pydantic)
