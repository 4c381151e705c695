"""The ids insert_many generates and hands back: unique per batch and per
process (a forked child draws its own), set on the instances, left out of
the cyclic GC; a batch that fails validation writes nothing."""

from __future__ import annotations

import datetime
import gc
import itertools
import os
import warnings

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import BulkWriteError, Document, ObjectId
from ouroboros.validation import Field, ValidationError

pytestmark = pytest.mark.asyncio


class Reading(Document):
    sensor: str
    value: float
    at: datetime.datetime

    class Settings:
        name = "readings"


class Checked(Document):
    name: str
    size: int

    class Settings:
        name = "checked"
        validate_on_save = True


def batch(n: int) -> list[Reading]:
    base = datetime.datetime(2024, 5, 1)
    return [Reading(sensor=f"s{i}", value=i / 4, at=base + datetime.timedelta(seconds=i)) for i in range(n)]


async def test_a_large_batch_gets_distinct_ids_in_order_set_on_each_instance(conn):
    readings = batch(600)  # above the size where the GC is paused while ids are built
    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    result = await Reading.insert_many(readings)
    after = datetime.datetime.now(datetime.UTC)
    ids = result.inserted_ids
    assert len(ids) == 600 and len(set(ids)) == 600
    assert [r.id for r in readings] == ids
    assert all(type(i) is ObjectId for i in ids)
    # One generator per batch: same timestamp and process bytes, a counter
    # that goes up by one per document (modulo 2**24).
    assert len({i.binary[:9] for i in ids}) == 1
    counters = [int.from_bytes(i.binary[9:], "big") for i in ids]
    assert all((b - a) % (1 << 24) == 1 for a, b in itertools.pairwise(counters))
    assert before - datetime.timedelta(seconds=1) <= ids[0].generation_time <= after
    assert gc.isenabled()
    stored = await Reading.find_all().sort("sensor").to_list()
    assert {r.id: r.sensor for r in stored} == {r.id: r.sensor for r in readings}


async def test_ids_from_two_batches_and_from_object_id_never_collide(conn):
    first = await Reading.insert_many(batch(300))
    second = await Reading.insert_many(batch(300))
    mine = {ObjectId() for _ in range(300)}
    assert len(set(first.inserted_ids) | set(second.inserted_ids) | mine) == 900
    assert await Reading.count() == 600


async def test_returned_and_found_object_ids_are_not_tracked_by_the_gc(conn):
    result = await Reading.insert_many(batch(5))
    assert not any(gc.is_tracked(i) for i in result.inserted_ids)
    found = await Reading.find_all().to_list()
    assert found and not any(gc.is_tracked(r.id) for r in found)
    # Still ordinary values: hashable, equal to themselves as parsed.
    assert {ObjectId(str(i)) for i in result.inserted_ids} == set(result.inserted_ids)


async def test_a_forked_child_draws_its_own_process_bytes():
    codec = Reading._ob_codec()
    doc = batch(1)[0]
    _, parent_id = codec.encode_insert_bytes(doc)
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about fork() in a process with threads; the child
        # only encodes (no runtime thread is needed) and exits at once.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            _, child_id = codec.encode_insert_bytes(doc)
            os.write(write, child_id.binary)
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 12)
    os.close(read)
    os.waitpid(pid, 0)
    _, again = codec.encode_insert_bytes(doc)
    assert len(child) == 12
    assert child[4:9] != parent_id.binary[4:9]
    assert again.binary[4:9] == parent_id.binary[4:9]


async def test_an_ordered_batch_failing_half_way_sets_ids_only_on_what_was_written(conn):
    await Reading.create_index("sensor", unique=True)
    readings = batch(4)
    readings[2].sensor = "s0"
    with pytest.raises(BulkWriteError) as info:
        await Reading.insert_many(readings)
    assert info.value.inserted_ids == [readings[0].id, readings[1].id]
    assert readings[0].id is not None and readings[1].id is not None
    assert readings[2].id is None and readings[3].id is None
    assert sorted(r.sensor for r in await Reading.find_all().to_list()) == ["s0", "s1"]


async def test_a_batch_with_an_invalid_document_writes_nothing(conn):
    docs = [Checked(name="a", size=1), Checked(name="b", size=2), Checked(name="c", size=3)]
    docs[1].__dict__["size"] = "not a number"  # bypasses assignment validation
    with pytest.raises(ValidationError) as info:
        await Checked.insert_many(docs)
    assert info.value.errors()[0]["loc"] == ("size",)
    assert await Checked.count() == 0
    assert all(d.id is None for d in docs)


async def test_id_attribute_needs_instances_and_fails_before_writing(conn):
    coll = conn.client.collection(conn.database, "plain")
    with pytest.raises(AttributeError):
        await coll.insert_many([{"a": 1}, {"a": 2}], id_attribute="id")
    assert await coll.count_documents({}) == 0
    ids = await coll.insert_many([{"a": 1}, {"a": 2}])
    assert len(ids) == 2 and await coll.count_documents({}) == 2


class Tagged(Document):
    name: str
    n: int
    tags: list[str]

    class Settings:
        name = "tagged"


async def test_fields_are_written_in_declaration_order_whatever_the_instance_dict_order(conn):
    # The encoder walks the instance dict in field order and looks fields up
    # once an entry is not the expected one: both ways write the same document.
    docs = [Tagged(name=f"t{i}", n=i, tags=[str(j) for j in range(12)]) for i in range(3)]
    moved = docs[1].__dict__
    moved["name"] = moved.pop("name")  # now after n and tags
    docs[2].__dict__["extra"] = "not a field"  # an entry the model does not write
    await Tagged.insert_many(docs)
    raw = await conn.client.collection(conn.database, "tagged").find_to_list({}, sort={"n": 1})
    assert [list(d) for d in raw] == [["_id", "name", "n", "tags"]] * 3
    assert [(d["_id"], d["name"], d["n"]) for d in raw] == [(x.id, f"t{i}", i) for i, x in enumerate(docs)]
    # Array keys past one digit ("10", "11") read back as list positions.
    assert all(d["tags"] == [str(j) for j in range(12)] for d in raw)


class Reading2(Reading):
    pass


class Aliased(Document):
    name: str = Field(alias="label")
    n: int

    class Settings:
        name = "aliased"


async def test_insert_many_refuses_other_classes_before_writing_or_validating(conn):
    # A plain model's batch is checked natively, a validate_on_save model's
    # in Python before validation: the same error either way, nothing written.
    readings = batch(300)
    readings[200] = Tagged(name="x", n=1, tags=[])
    with pytest.raises(InvalidArgumentError, match=r"^insert_many takes Reading instances, got Tagged$"):
        await Reading.insert_many(readings)
    with pytest.raises(InvalidArgumentError, match=r"got dict$"):
        await Reading.insert_many([*batch(2), {"sensor": "s", "value": 1.0}])
    assert await Reading.find_all().count() == 0
    assert all(r.id is None for r in readings[:200])
    invalid = Checked.model_construct(name="a", size="not an int")
    with pytest.raises(InvalidArgumentError, match=r"^insert_many takes Checked instances, got Reading$"):
        await Checked.insert_many([invalid, *batch(1)])
    assert await Checked.find_all().count() == 0
    # Subclass instances are instances: written (through the dumped path).
    mixed = [*batch(2), Reading2(sensor="sub", value=1.0, at=datetime.datetime(2024, 1, 1))]
    await Reading.insert_many(mixed)
    assert sorted(r.sensor for r in await Reading.find_all().to_list()) == ["s0", "s1", "sub"]


async def test_aliased_keys_are_written_for_every_document_of_a_batch(conn):
    # Keys are checked once per batch and remembered by position (the
    # model's key objects come in field order whatever the dict order).
    docs = [Aliased(label=f"a{i}", n=i) for i in range(4)]
    moved = docs[2].__dict__
    moved["name"] = moved.pop("name")
    await Aliased.insert_many(docs)
    raw = await conn.client.collection(conn.database, "aliased").find_to_list({}, sort={"n": 1})
    assert [list(d) for d in raw] == [["_id", "label", "n"]] * 4
    assert [(d["_id"], d["label"], d["n"]) for d in raw] == [(x.id, f"a{i}", i) for i, x in enumerate(docs)]
