"""datetime, date, time and UUID values are written to JSON by the Rust serializer itself (no
`isoformat()` / `UUID.__str__` call): the text is Pydantic's, in every dump that writes JSON."""

import datetime as dt
import uuid
from typing import Any

import pydantic
import pytest

import ouroboros.validation as ours

UTC = dt.UTC
ZONES = [
    None,
    UTC,
    dt.timezone(dt.timedelta(hours=5, minutes=30)),
    dt.timezone(dt.timedelta(hours=-3)),
    dt.timezone(dt.timedelta(hours=-9, minutes=-15)),
    dt.timezone(dt.timedelta(hours=1, seconds=30)),
    dt.timezone(dt.timedelta(minutes=-1, microseconds=-5)),
]
DATETIMES = [
    dt.datetime(2024, 1, 2, 3, 4, 5, micro, tzinfo=zone) for zone in ZONES for micro in (0, 7, 123456, 999999)
] + [dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999), dt.datetime(999, 3, 4, tzinfo=UTC)]
DATES = [dt.date(2024, 2, 29), dt.date(1, 1, 1), dt.date(999, 12, 31), dt.date(9999, 12, 31)]
TIMES = [dt.time(0, 0), dt.time(23, 59, 59, 999999), dt.time(12, 30, 0, 50)] + [
    dt.time(1, 2, 3, 4, tzinfo=zone) for zone in ZONES[1:]
]
UUIDS = [
    uuid.UUID(int=0),
    uuid.UUID(int=(1 << 128) - 1),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    uuid.UUID("0000000f-00f0-0f00-f000-00000000000a"),
    uuid.uuid4(),
]


def dumps(lib: Any, tp: Any, value: Any) -> Any:
    class M(lib.BaseModel):
        v: tp
        many: list[tp]
        keyed: dict[tp, int]

    m = M(v=value, many=[value, value], keyed={value: 1})
    ta = lib.TypeAdapter(tp)
    return (
        m.model_dump_json(),
        m.model_dump(mode="json"),
        ta.dump_json(value),
        ta.dump_python(value, mode="json"),
        lib.TypeAdapter(Any).dump_json(value),
    )


CASES = (
    [(dt.datetime, v) for v in DATETIMES]
    + [(dt.date, v) for v in DATES]
    + [(dt.time, v) for v in TIMES]
    + [(uuid.UUID, v) for v in UUIDS]
)


@pytest.mark.parametrize(("tp", "value"), CASES, ids=[f"{tp.__name__}-{v}" for tp, v in CASES])
def test_dumps_as_pydantic(tp: Any, value: Any) -> None:
    assert dumps(ours, tp, value) == dumps(pydantic, tp, value)


def test_a_timezone_whose_utcoffset_raises_is_an_error_not_a_partial_text() -> None:
    class Broken(dt.tzinfo):
        def utcoffset(self, d: Any) -> dt.timedelta:
            raise RuntimeError("no offset here")

    value = dt.datetime(2024, 1, 2, tzinfo=Broken())

    class M(ours.BaseModel):
        v: dt.datetime

    m = M(v=value)
    with pytest.raises(RuntimeError, match="no offset here"):
        m.model_dump_json()


def test_a_timezone_without_an_offset_is_written_naive() -> None:
    class Floating(dt.tzinfo):
        def utcoffset(self, d: Any) -> None:
            return None

    value = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=Floating())
    assert dumps(ours, dt.datetime, value) == dumps(pydantic, dt.datetime, value)
