"""ouroboros.validation against Pydantic v2 and msgspec, in one run.

Run: ``python benchmarks/bench_validation.py`` (with the ``bench`` extra
installed and the wheel built with the ``release`` profile). Prints one row per
operation: microseconds of CPU time per call for each library (best of several rounds,
the libraries alternating within each round) and the speed-up of ouroboros
over each peer (>1 means ouroboros is faster).

``--runs N`` repeats the whole table N times and then prints, per row, the
median and the range of the N ratios: one run's best times can all fall in a
slow minute of a shared machine, the median of several runs does not.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import timeit
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
import pydantic

import ouroboros.validation as ov

EMAIL = r"^[\w\.-]+@[\w\.-]+\.\w+$"


def pydantic_like(mod: Any) -> tuple[Any, Any]:
    """The same nested model in ouroboros.validation or pydantic."""

    class Address(mod.BaseModel):
        street: str
        city: str
        zip_code: Annotated[str, mod.Field(pattern=r"^\d{5}$")]

    class User(mod.BaseModel):
        id: int
        name: Annotated[str, mod.Field(min_length=1, max_length=50)]
        email: Annotated[str, mod.Field(pattern=EMAIL)]
        age: Annotated[int, mod.Field(ge=0, le=150)]
        tags: list[str] = []  # noqa: RUF012 - model fields, copied per instance
        address: Address

    return User, mod.TypeAdapter(list[User])


class MAddress(msgspec.Struct):
    street: str
    city: str
    zip_code: Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")]


class MUser(msgspec.Struct):
    id: int
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    email: Annotated[str, msgspec.Meta(pattern=EMAIL)]
    age: Annotated[int, msgspec.Meta(ge=0, le=150)]
    address: MAddress
    tags: list[str] = []


DATA = {
    "id": 1,
    "name": "Alice",
    "email": "alice@example.com",
    "age": 30,
    "tags": ["admin", "staff", "ops"],
    "address": {"street": "1 Main St", "city": "Springfield", "zip_code": "12345"},
}
BAD = {
    "id": "x",
    "name": "",
    "email": "nope",
    "age": -1,
    "tags": ["a"],
    "address": {"street": "s", "city": "c", "zip_code": "1"},
}
RAW = json.dumps(DATA).encode()
MANY = [dict(DATA, id=i) for i in range(1000)]


def _time(fn: Callable[[], Any], number: int) -> float:
    # CPU time of this process: on a shared machine, time spent waiting for a
    # core (other processes running) is not counted against any library.
    return timeit.Timer(fn, timer=time.process_time).timeit(number=number)


def calibrate(fn: Callable[[], Any], budget: float) -> int:
    """Calls per timing so that one timing takes about ``budget / 10`` seconds."""
    number, elapsed = 1, 0.0
    while elapsed < budget / 10:
        number *= 2
        elapsed = _time(fn, number)
    return number


def best_us_interleaved(fns: list[Callable[[], Any]], budget: float, rounds: int = 7) -> list[float]:
    """Best per-call time (microseconds) of each function, measured in
    alternating rounds so that a busy machine slows every library alike."""
    numbers = [calibrate(fn, budget) for fn in fns]
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, (fn, number) in enumerate(zip(fns, numbers, strict=True)):
            best[i] = min(best[i], _time(fn, number) / number * 1e6)
    return best


def failing(fn: Callable[[], Any], exc: type[BaseException]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except exc:
            return
        raise AssertionError("expected a validation failure")

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=0.5, help="seconds per measurement (roughly)")
    parser.add_argument(
        "--runs", type=int, default=1, help="repeat the table; then print each ratio's median and range"
    )
    args = parser.parse_args()
    if args.runs < 1 or args.budget <= 0:
        parser.error("--runs must be at least 1 and --budget above 0")

    ou, ou_list = pydantic_like(ov)
    pu, pu_list = pydantic_like(pydantic)
    o_inst, p_inst, m_inst = ou.model_validate(DATA), pu.model_validate(DATA), msgspec.convert(DATA, MUser)
    assert o_inst.model_dump() == p_inst.model_dump() == msgspec.to_builtins(m_inst) | {"tags": DATA["tags"]}
    assert json.loads(o_inst.model_dump_json()) == json.loads(p_inst.model_dump_json())
    o_err = failing(lambda: ou.model_validate(BAD), ov.ValidationError)
    try:
        ou.model_validate(BAD)
    except ov.ValidationError as e:
        assert e.error_count() == 5, e.errors()

    rows: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any]]] = [
        (
            "validate nested model from dict",
            lambda: ou.model_validate(DATA),
            lambda: pu.model_validate(DATA),
            lambda: msgspec.convert(DATA, MUser),
        ),
        (
            "validate from JSON bytes",
            lambda: ou.model_validate_json(RAW),
            lambda: pu.model_validate_json(RAW),
            lambda: msgspec.json.decode(RAW, type=MUser),
        ),
        (
            # As a request handler reads a validated body; one code object per library, so
            # CPython specialises each library's reads on their own.
            "read 4 fields",
            lambda: (o_inst.id, o_inst.name, o_inst.email, o_inst.age),
            lambda: (p_inst.id, p_inst.name, p_inst.email, p_inst.age),
            lambda: (m_inst.id, m_inst.name, m_inst.email, m_inst.age),
        ),
        ("model_dump", o_inst.model_dump, p_inst.model_dump, lambda: msgspec.to_builtins(m_inst)),
        ("model_dump_json", o_inst.model_dump_json, p_inst.model_dump_json, lambda: msgspec.json.encode(m_inst)),
        (
            "validation failure, 5 errors",
            o_err,
            failing(lambda: pu.model_validate(BAD), pydantic.ValidationError),
            failing(lambda: msgspec.convert(BAD, MUser), msgspec.ValidationError),
        ),
        (
            "list of 1,000 models",
            lambda: ou_list.validate_python(MANY),
            lambda: pu_list.validate_python(MANY),
            lambda: msgspec.convert(MANY, list[MUser]),
        ),
    ]
    print(f"ouroboros.validation {ov.__version__} vs pydantic {pydantic.VERSION} and msgspec {msgspec.__version__}")
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.node()}")
    print()
    columns = ["ouroboros us", "pydantic us", "msgspec us", "vs pydantic", "vs msgspec"]
    header = f"| {'operation':32} | " + " | ".join(f"{c:>12}" for c in columns) + " |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    ratios: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in rows}
    for run in range(args.runs):
        if args.runs > 1:
            print(f"run {run + 1} of {args.runs}")
        for name, o_fn, p_fn, m_fn in rows:
            o, p, m = best_us_interleaved([o_fn, p_fn, m_fn], args.budget)
            ratios[name].append((p / o, m / o))
            print(f"| {name:32} | {o:12.2f} | {p:12.2f} | {m:12.2f} | {p / o:11.2f}x | {m / o:11.2f}x |")
        print()
    if args.runs > 1:
        print(f"Speed-up of ouroboros over {args.runs} runs, median (min-max):")
        print()
        print(f"| {'operation':32} | {'vs pydantic':>20} | {'vs msgspec':>20} |")
        print(f"|{'-' * 34}|{'-' * 22}|{'-' * 22}|")
        for name, got in ratios.items():
            cells = []
            for column in (0, 1):
                values = sorted(r[column] for r in got)
                cells.append(f"{statistics.median(values):.2f}x ({values[0]:.2f}-{values[-1]:.2f})")
            print(f"| {name:32} | {cells[0]:>20} | {cells[1]:>20} |")
        print()
    print("msgspec stops at the first error, so its failure row reports one error, not five.")


if __name__ == "__main__":
    main()
