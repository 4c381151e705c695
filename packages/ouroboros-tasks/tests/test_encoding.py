"""Task messages and results go through ouroboros-schema, as validation dumps
and parses JSON: the values where Python's ``json`` module and the engine
differ (datetimes, Decimal, UUID, models, bytes...) arrive as validation
produces them."""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from ouroboros.tasks import App
from ouroboros.tasks._message import dumps, loads
from ouroboros.validation import BaseModel, TypeAdapter
from ouroboros.validation.core import to_jsonable_python


class Point(BaseModel):
    x: int
    when: datetime


@dataclasses.dataclass
class Pair:
    a: int
    b: str


class Color(enum.Enum):
    RED = "red"


WHEN = datetime(2024, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC)
ID = UUID("12345678-1234-5678-1234-567812345678")

# value -> its JSON form in a message (what the engine's Any serializer writes)
CASES = [
    (WHEN, "2024-01-02T03:04:05.600000Z"),
    (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
    (date(2024, 1, 2), "2024-01-02"),
    (time(13, 30), "13:30:00"),
    (timedelta(minutes=1, seconds=30), "PT1M30S"),
    (Decimal("1.10"), "1.10"),
    (ID, "12345678-1234-5678-1234-567812345678"),
    (Point(x=1, when=WHEN), {"x": 1, "when": "2024-01-02T03:04:05.600000Z"}),
    (Pair(1, "b"), {"a": 1, "b": "b"}),
    (b"abc", "abc"),
    ((1, 2), [1, 2]),
    (frozenset({3}), [3]),
    (Color.RED, "red"),
    ({"k": (ID,)}, {"k": ["12345678-1234-5678-1234-567812345678"]}),
    (10**30, 10**30),
]


@pytest.mark.parametrize(("value", "wire"), CASES, ids=[type(v).__name__ + str(i) for i, (v, _) in enumerate(CASES)])
def test_message_values_convert_as_validation_does(value, wire) -> None:
    assert loads(dumps({"args": [value]})) == {"args": [wire]}
    assert loads(dumps(value)) == to_jsonable_python(value)


def test_bytes_that_are_not_utf8_are_refused_not_mangled(tmp_path) -> None:
    # Replacing the bad byte with U+FFFD would hand the task other data than
    # it was given; the engine refuses them, as Pydantic's JSON dumps do.
    with pytest.raises(TypeError, match="utf-8"):
        dumps({"args": [b"\xffab"]})
    app = App((tmp_path / "q").as_uri())

    @app.task
    def f(x):
        return x

    with pytest.raises(TypeError, match="utf-8"):
        f.delay(b"\xffab")


def test_unserializable_argument_is_a_type_error_naming_it(tmp_path) -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="Opaque"):
        dumps({"args": [Opaque()]})
    app = App((tmp_path / "q").as_uri())

    @app.task
    def f(x):
        return x

    with pytest.raises(TypeError, match="Opaque"):
        f.delay(Opaque())


def test_messages_parse_with_the_engine() -> None:
    assert loads(b'{"a":[1,2.5,"x",null,true],"b":{}}') == {"a": [1, 2.5, "x", None, True], "b": {}}
    with pytest.raises(ValueError):
        loads(b'{"a":')


def test_unannotated_task_receives_the_json_form(app: App, start_worker) -> None:
    @app.task
    def echo(*args, **kwargs):
        return [args, kwargs]

    start_worker(app)
    values = [v for v, _ in CASES]
    got = echo.delay(*values, when=WHEN, amount=Decimal("2.50")).get(timeout=10)
    assert got == [[w for _, w in CASES], {"when": "2024-01-02T03:04:05.600000Z", "amount": "2.50"}]


def test_annotated_task_gets_validated_values_back(app: App, start_worker) -> None:
    seen: list[tuple] = []

    @app.task
    def typed(when: datetime, amount: Decimal, ident: UUID, p: Point, raw: bytes, span: timedelta) -> Decimal:
        seen.append((when, amount, ident, p, raw, span))
        return amount * 2

    start_worker(app)
    p = Point(x=3, when=WHEN)
    r = typed.delay(WHEN, Decimal("1.10"), ID, p, b"bytes", timedelta(seconds=90))
    assert r.get(timeout=10) == Decimal("2.20")
    assert seen == [(WHEN, Decimal("1.10"), ID, p, b"bytes", timedelta(seconds=90))]
    # What validation itself makes of the JSON form, for each argument.
    assert TypeAdapter(Decimal).validate_python(loads(dumps(Decimal("1.10")))) == Decimal("1.10")
