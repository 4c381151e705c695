"""ouroboros.mongodb vs Beanie 2.x vs PyMongo's AsyncMongoClient, same server, same run.

    scripts/dev -s bench -- mongodb            (1,000 and 10,000 documents)
    scripts/dev -s bench -- mongodb 1000       (one size)
    scripts/dev -s bench -- mongodb 1000 rounds=15   (rounds per figure)

The server (OUROBOROS_MONGODB_URI) is SecantusDB on these machines: slow next to
mongod, so wall time is mostly the server's. The figure this library controls is
the client process's own CPU time per operation (time.process_time: every thread
of this process, the Rust runtime's included), reported beside wall time.

Every library is timed the same way: the same rounds (9 up to 1,000 documents, 5
above, or `rounds=N`), a full garbage collection before each timed round (so no
library pays for the collection of garbage another left), the median reported
with the spread (min-max) of the client CPU.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import gc
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import beanie
import pydantic
from pymongo import AsyncMongoClient

from ouroboros.mongodb import Document, init

URI = os.environ.get("OUROBOROS_MONGODB_URI")
DB = f"ob_bench_{os.getpid()}"
ROUNDS = 0  # set by main(): rounds per figure
LOOKUPS = 200
CONCURRENT = 256


class OUser(Document):
    name: str
    email: str
    age: int
    score: float
    tags: list[str]
    created: datetime.datetime

    class Settings:
        name = "ouro"


class BUser(beanie.Document):
    name: str
    email: str
    age: int
    score: float
    tags: list[str]
    created: datetime.datetime

    class Settings:
        name = "beanie"


@dataclasses.dataclass
class UserDC:
    name: str
    email: str
    age: int
    score: float
    tags: list[str]
    created: datetime.datetime
    _id: Any = None


def rows(n: int) -> list[dict[str, Any]]:
    base = datetime.datetime(2024, 1, 1)
    return [
        {
            "name": f"user{i}",
            "email": f"user{i}@example.com",
            "age": i % 90,
            "score": i * 0.5,
            "tags": ["a", "b", f"t{i % 7}"],
            "created": base + datetime.timedelta(seconds=i),
        }
        for i in range(n)
    ]


Timing = tuple[float, float, float, float]


async def measure(fn: Callable[[], Awaitable[Any]], setup: Callable[[], Awaitable[Any]] | None = None) -> Timing:
    """Median wall ms, median client-CPU ms and the CPU's min and max over ROUNDS runs of fn."""
    walls, cpus = [], []
    for _ in range(ROUNDS):
        if setup is not None:
            await setup()
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        await fn()
        cpus.append((time.process_time() - c0) * 1000)
        walls.append((time.perf_counter() - w0) * 1000)
    return statistics.median(walls), statistics.median(cpus), min(cpus), max(cpus)


def per_op(t: Timing, count: int) -> Timing:
    """A timing of `count` operations as the timing of one."""
    return (t[0] / count, t[1] / count, t[2] / count, t[3] / count)


class Libs:
    def __init__(self, n: int, pm: AsyncMongoClient) -> None:
        self.n = n
        self.data = rows(n)
        db = pm[DB]
        self.raw = db["raw"]
        self.dc = db["dc"]

    async def reset(self) -> None:
        await OUser.delete_all()
        await BUser.find_all().delete()
        await self.raw.delete_many({})
        await self.dc.delete_many({})

    # insert_many ------------------------------------------------------
    def insert_ops(self) -> dict[str, tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]]:
        state: dict[str, Any] = {}

        async def prep_o() -> None:
            await self.reset()
            state["o"] = [OUser(**r) for r in self.data]

        async def prep_b() -> None:
            await self.reset()
            state["b"] = [BUser(**r) for r in self.data]

        async def prep_raw() -> None:
            await self.reset()
            state["raw"] = [dict(r) for r in self.data]

        async def prep_dc() -> None:
            await self.reset()
            state["dc"] = [UserDC(**r) for r in self.data]

        async def dc_insert() -> None:
            docs = []
            for d in state["dc"]:
                doc = dataclasses.asdict(d)
                del doc["_id"]
                docs.append(doc)
            await self.dc.insert_many(docs)

        return {
            "ouroboros": (lambda: OUser.insert_many(state["o"]), prep_o),
            "beanie": (lambda: BUser.insert_many(state["b"]), prep_b),
            "pymongo dicts": (lambda: self.raw.insert_many(state["raw"]), prep_raw),
            "pymongo dataclasses": (dc_insert, prep_dc),
        }

    async def fill(self) -> None:
        await self.reset()
        await OUser.insert_many([OUser(**r) for r in self.data])
        await BUser.insert_many([BUser(**r) for r in self.data])
        await self.raw.insert_many([dict(r) for r in self.data])
        await self.dc.insert_many([dict(r) for r in self.data])

    def find_ops(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        async def dc_find() -> list[UserDC]:
            return [UserDC(**d) async for d in self.dc.find({})]

        async def raw_find() -> list[dict[str, Any]]:
            return await self.raw.find({}).to_list(None)

        return {
            "ouroboros": lambda: OUser.find_all().to_list(),
            "beanie": lambda: BUser.find_all().to_list(),
            "pymongo dicts": raw_find,
            "pymongo dataclasses": dc_find,
        }

    async def ids(self) -> dict[str, list[Any]]:
        return {
            "ouroboros": [
                d["_id"] for d in await OUser.get_collection().find_to_list({}, projection={"_id": 1}, limit=LOOKUPS)
            ],
            "beanie": [d.id for d in await BUser.find_all().limit(LOOKUPS).to_list()],
            "pymongo dicts": [d["_id"] for d in await self.raw.find({}, {"_id": 1}).limit(LOOKUPS).to_list(None)],
            "pymongo dataclasses": [d["_id"] for d in await self.dc.find({}, {"_id": 1}).limit(LOOKUPS).to_list(None)],
        }

    def get_one(self, lib: str) -> Callable[[Any], Awaitable[Any]]:
        async def dc_get(i: Any) -> UserDC:
            d = await self.dc.find_one({"_id": i})
            return UserDC(**d)

        return {
            "ouroboros": OUser.get,
            "beanie": BUser.get,
            "pymongo dicts": lambda i: self.raw.find_one({"_id": i}),
            "pymongo dataclasses": dc_get,
        }[lib]

    def update_ops(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        return {
            "ouroboros": lambda: OUser.find(OUser.age >= 0).update({"$inc": {"age": 1}}),
            "beanie": lambda: BUser.find(BUser.age >= 0).update({"$inc": {"age": 1}}),
            "pymongo dicts": lambda: self.raw.update_many({"age": {"$gte": 0}}, {"$inc": {"age": 1}}),
            "pymongo dataclasses": lambda: self.dc.update_many({"age": {"$gte": 0}}, {"$inc": {"age": 1}}),
        }

    def aggregate_ops(self) -> dict[str, Callable[[], Awaitable[Any]]]:
        pipeline = [
            {"$group": {"_id": {"$mod": ["$age", 10]}, "total": {"$sum": "$score"}, "n": {"$sum": 1}}},
            {"$sort": {"_id": 1}},
        ]

        async def pm(coll: Any) -> list[Any]:
            cursor = await coll.aggregate(pipeline)
            return await cursor.to_list(None)

        return {
            "ouroboros": lambda: OUser.aggregate(pipeline).to_list(),
            "beanie": lambda: BUser.aggregate(pipeline).to_list(),
            "pymongo dicts": lambda: pm(self.raw),
            "pymongo dataclasses": lambda: pm(self.dc),
        }


def report(title: str, n: int, results: dict[str, Timing], per: int) -> None:
    ours = results["ouroboros"][1]
    print(f"\n{title}, {n:,} documents (per operation: {per:,} {'document' if per == 1 else 'documents'})")
    print(f"| library | wall ms | client CPU ms, median of {ROUNDS} | CPU min-max | CPU vs ouroboros |")
    print("|---|---:|---:|---:|---:|")
    for lib, (wall, cpu, low, high) in results.items():
        ratio = "1.00x" if lib == "ouroboros" else f"{cpu / ours:.2f}x" if ours else "-"
        print(f"| {lib} | {wall:.2f} | {cpu:.2f} | {low:.2f}-{high:.2f} | {ratio} |")


async def run(n: int, pm: AsyncMongoClient, rounds: int | None) -> None:
    global ROUNDS
    ROUNDS = rounds or (9 if n <= 1000 else 5)
    libs = Libs(n, pm)
    results = {}
    for lib, (fn, setup) in libs.insert_ops().items():
        results[lib] = await measure(fn, setup)
    report("insert_many", n, results, n)

    await libs.fill()
    results = {lib: await measure(fn) for lib, fn in libs.find_ops().items()}
    report("find().to_list()", n, results, n)

    ids = await libs.ids()
    results = {}
    for lib, lib_ids in ids.items():
        get = libs.get_one(lib)

        async def sequential(get: Any = get, lib_ids: list[Any] = lib_ids) -> None:
            for i in lib_ids:
                await get(i)

        results[lib] = per_op(await measure(sequential), len(lib_ids))
    report("find_one by id, concurrency 1 (per lookup)", n, results, 1)

    results = {}
    for lib, lib_ids in ids.items():
        get = libs.get_one(lib)
        batch = (lib_ids * (CONCURRENT // len(lib_ids) + 1))[:CONCURRENT]

        async def concurrent(get: Any = get, batch: list[Any] = batch) -> None:
            await asyncio.gather(*(get(i) for i in batch))

        results[lib] = per_op(await measure(concurrent), CONCURRENT)
    report(f"find_one by id, concurrency {CONCURRENT} (per lookup)", n, results, 1)

    results = {lib: await measure(fn) for lib, fn in libs.update_ops().items()}
    report("update_many ($inc on every document)", n, results, n)

    results = {lib: await measure(fn) for lib, fn in libs.aggregate_ops().items()}
    report("aggregate ($group + $sort)", n, results, n)


async def main() -> None:
    if not URI:
        sys.exit("set OUROBOROS_MONGODB_URI (scripts/services starts a server)")
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [1000, 10_000]
    rounds = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("rounds=")), None)
    pm = AsyncMongoClient(URI, tz_aware=False)
    await beanie.init_beanie(database=pm[DB], document_models=[BUser])
    await init(URI, database=DB, document_models=[OUser])
    print(
        f"ouroboros.mongodb vs beanie {beanie.__version__} (pydantic {pydantic.VERSION}) vs pymongo async, server {URI}"
    )
    try:
        for n in sizes:
            await run(n, pm, rounds)
    finally:
        await pm.drop_database(DB)
        await pm.close()


if __name__ == "__main__":
    asyncio.run(main())
