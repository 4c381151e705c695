"""Failing validations (the error list's growth, location keys and patterns stored inline,
the exception allocated directly), dumps of values without a dump hook and the fields-set
record after an assignment give Pydantic's answers."""

import datetime as dt
import decimal
import json
import pickle
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import pydantic
import pytest

import ouroboros.validation as ours

LONG_KEY = "a_field_name_longer_than_twenty_four_bytes"
UNICODE_KEY = "名前_ünïcode_key"
LONG_PATTERN = r"^(?:[a-z]{2,8}\.)+(?:com|org|net|example|test)$"


def errors_of(lib: Any, call: Any) -> list[tuple[Any, ...]]:
    with pytest.raises(lib.ValidationError) as info:
        call()
    return [(e["type"], e["loc"], e["msg"], e["input"], e.get("ctx")) for e in info.value.errors(include_url=False)]


@pytest.mark.parametrize("count", [1, 2, 5, 6, 7, 13, 40])
def test_any_number_of_failing_fields_as_pydantic(count: int) -> None:
    fields = {f"f{i}": (int, ...) for i in range(count)}
    mo, mp = ours.create_model("M", **fields), pydantic.create_model("M", **fields)  # type: ignore[call-overload]
    bad = {f"f{i}": "x" if i % 2 else [i] for i in range(count)}
    got = errors_of(ours, lambda: mo.model_validate(bad))
    assert got == errors_of(pydantic, lambda: mp.model_validate(bad))
    assert len(got) == count


def test_many_failing_list_items_as_pydantic() -> None:
    ta_o, ta_p = ours.TypeAdapter(list[int]), pydantic.TypeAdapter(list[int])
    bad = [str(i) if i % 3 else "x" for i in range(200)]
    got = errors_of(ours, lambda: ta_o.validate_python(bad))
    assert got == errors_of(pydantic, lambda: ta_p.validate_python(bad))
    assert len(got) == 67


def keyed(lib: Any) -> Any:
    class Inner(lib.BaseModel):
        host: Annotated[str, lib.Field(pattern=LONG_PATTERN)]

    return lib.create_model(
        "Keyed",
        **{
            LONG_KEY: (int, ...),
            UNICODE_KEY: (Annotated[str, lib.Field(min_length=3)], ...),
            "short": (Annotated[str, lib.Field(alias="an_alias_that_is_also_rather_long_indeed")], ...),
            "inner": (dict[str, Inner], ...),
        },
    )


def test_long_and_unicode_keys_and_long_patterns_as_pydantic() -> None:
    ko, kp = keyed(ours), keyed(pydantic)
    bad = {
        LONG_KEY: "nope",
        UNICODE_KEY: "ab",
        "an_alias_that_is_also_rather_long_indeed": 5,
        "inner": {"a_dictionary_key_longer_than_24_bytes": {"host": "x"}, "é": {"host": "ok.com"}, "b": {}},
    }
    got = errors_of(ours, lambda: ko.model_validate(bad))
    assert got == errors_of(pydantic, lambda: kp.model_validate(bad))
    assert [e[1] for e in got] == [
        (LONG_KEY,),
        (UNICODE_KEY,),
        ("an_alias_that_is_also_rather_long_indeed",),
        ("inner", "a_dictionary_key_longer_than_24_bytes", "host"),
        ("inner", "b", "host"),
    ]
    assert got[3][4] == {"pattern": LONG_PATTERN}
    raw = json.dumps(bad)
    assert errors_of(ours, lambda: ko.model_validate_json(raw)) == errors_of(
        pydantic, lambda: kp.model_validate_json(raw)
    )


def test_failure_exception_behaves_as_pydantic() -> None:
    ko, kp = keyed(ours), keyed(pydantic)
    bad = {LONG_KEY: "1.5", UNICODE_KEY: "", "an_alias_that_is_also_rather_long_indeed": [], "inner": {}}
    with pytest.raises(ours.ValidationError) as oi:
        ko.model_validate(bad)
    with pytest.raises(pydantic.ValidationError) as pi:
        kp.model_validate(bad)
    o, p = oi.value, pi.value
    assert type(o) is ours.ValidationError
    assert isinstance(o, ValueError)
    assert o.title == p.title == "Keyed"
    assert o.error_count() == p.error_count() == 3
    assert str(o) == str(p)  # the documentation links included
    assert o.json() == p.json()  # compact, with the links
    assert o.__traceback__ is not None
    assert o.__context__ is None and o.__cause__ is None
    again = pickle.loads(pickle.dumps(o))
    assert type(again) is ours.ValidationError
    assert again.errors() == o.errors()
    assert str(again) == str(o)


def test_hidden_inputs_still_hidden() -> None:
    class Secret(ours.BaseModel):
        model_config = ours.ConfigDict(hide_input_in_errors=True)
        token: Annotated[str, ours.Field(min_length=10)]

    with pytest.raises(ours.ValidationError) as info:
        Secret.model_validate({"token": "zzzzz"})
    assert "zzzzz" not in str(info.value)
    assert info.value.errors()[0]["input"] == "zzzzz"


def test_failure_inside_a_handler_chains_and_the_error_is_catchable_as_valueerror() -> None:
    class M(ours.BaseModel):
        n: int

    try:
        try:
            raise KeyError("outer")
        except KeyError:
            M.model_validate({"n": "x"})
    except ValueError as exc:
        assert isinstance(exc, ours.ValidationError)
        assert isinstance(exc.__context__, KeyError)
    else:  # pragma: no cover - the validation must fail
        pytest.fail("no error")


@pytest.mark.parametrize(
    "text", ["x", "abc", "1e3", " -7 ", "\t8\n", "+-1", "--1", "1-", "1+1", ".5", "5.", "5.00", "١", "1 2", "0b1"]
)
def test_more_lax_int_strings_as_pydantic(text: str) -> None:
    ta_o, ta_p = ours.TypeAdapter(int), pydantic.TypeAdapter(int)

    def outcome(lib: Any, ta: Any) -> Any:
        try:
            return ta.validate_python(text)
        except lib.ValidationError as exc:
            return [(e["type"], e["msg"]) for e in exc.errors()]

    assert outcome(ours, ta_o) == outcome(pydantic, ta_p)


@dataclass
class Point:
    x: int
    y: int


class Meta(type):
    def __getattr__(cls, name: str) -> Any:
        raise AttributeError(name)


class Odd(metaclass=Meta):
    def __repr__(self) -> str:
        return "Odd()"


def values(lib: Any) -> Any:
    class Values(lib.BaseModel):
        model_config = lib.ConfigDict(arbitrary_types_allowed=True)
        when: dt.datetime
        day: dt.date
        at: dt.time
        span: dt.timedelta
        amount: decimal.Decimal
        ident: uuid.UUID
        point: Point
        anything: Any
        odd: Odd

    return Values


def test_dumps_of_values_without_a_hook_as_pydantic() -> None:
    data = {
        "when": dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
        "day": dt.date(2026, 12, 1),
        "at": dt.time(9, 30, 15),
        "span": dt.timedelta(days=1, seconds=5),
        "amount": decimal.Decimal("12.50"),
        "ident": uuid.UUID(int=7),
        "point": Point(1, 2),
        "anything": [dt.date(2020, 1, 2), decimal.Decimal("1.5"), uuid.UUID(int=1), Point(3, 4)],
        "odd": Odd(),
    }
    vo, vp = values(ours).model_validate(data), values(pydantic).model_validate(data)
    assert vo.model_dump() == vp.model_dump()
    no_odd = {"exclude": {"odd"}}
    assert json.loads(vo.model_dump_json(**no_odd)) == json.loads(vp.model_dump_json(**no_odd))
    assert vo.model_dump(mode="json", **no_odd) == vp.model_dump(mode="json", **no_odd)


def test_assignment_records_the_field_set_per_instance_as_pydantic() -> None:
    def model(lib: Any) -> Any:
        class M(lib.BaseModel):
            model_config = lib.ConfigDict(validate_assignment=True)
            id: int | None = None
            name: str

        return M

    for lib in (ours, pydantic):
        m = model(lib)
        first, second, full = m(name="a"), m(name="b"), m(id=1, name="c")
        first.id = "5"
        assert first.id == 5
        assert first.model_fields_set == {"id", "name"}
        assert second.model_fields_set == {"name"}
        full.name = "d"
        assert full.model_fields_set == {"id", "name"}
        second.name = "e"
        assert second.model_fields_set == {"name"}
        with pytest.raises(lib.ValidationError):
            second.id = "x"
        assert second.model_fields_set == {"name"}
