"""ouroboros.validation models as values: serialized and validated in Rust
through the model's compiled schema (ouroboros-schema), on every backend."""

from __future__ import annotations

import datetime as dt
import gc
import weakref

import pytest

from ouroboros.kv import KV, SyncKV
from ouroboros.validation import BaseModel, Field, ValidationError, create_model


class Address(BaseModel):
    city: str
    zip: str = Field(min_length=4)


class User(BaseModel):
    id: int = Field(ge=1)
    name: str
    joined: dt.date
    tags: list[str] = []
    address: Address | None = None


ALICE = User(id=1, name="Alice", joined=dt.date(2024, 5, 17), tags=["a", "b"], address=Address(city="Oslo", zip="0150"))


def test_model_roundtrip(skv: SyncKV):
    skv.set("u:1", ALICE)
    got = skv.get("u:1", model=User)
    assert isinstance(got, User)
    assert got == ALICE
    assert isinstance(got.address, Address)
    assert got.joined == dt.date(2024, 5, 17)


def test_model_read_without_model_is_plain_json(skv: SyncKV):
    skv.set("u:1", ALICE)
    assert skv.get("u:1") == {
        "id": 1,
        "name": "Alice",
        "joined": "2024-05-17",
        "tags": ["a", "b"],
        "address": {"city": "Oslo", "zip": "0150"},
    }


def test_dict_validated_into_a_model(skv: SyncKV):
    skv.set("u:2", {"id": "2", "name": "Bob", "joined": "2023-01-02", "address": None})
    bob = skv.get("u:2", model=User)
    assert bob.id == 2 and bob.joined == dt.date(2023, 1, 2) and bob.tags == []


def test_invalid_stored_data_raises_validation_error(skv: SyncKV):
    skv.set("u:bad", {"id": 0, "name": "Zed", "address": None})
    with pytest.raises(ValidationError) as info:
        skv.get("u:bad", model=User)
    errors = {(e["loc"], e["type"]) for e in info.value.errors()}
    assert errors == {(("id",), "greater_than_equal"), (("joined",), "missing")}
    assert isinstance(info.value, ValueError)


def test_missing_key_with_model_returns_default(skv: SyncKV):
    assert skv.get("nobody", model=User) is None
    assert skv.get("nobody", ALICE, model=User) is ALICE


def test_get_many_with_model(skv: SyncKV):
    skv.set_many({"u:1": ALICE, "u:3": ALICE.model_copy(update={"id": 3})})
    got = skv.get_many(["u:1", "u:2", "u:3"], model=User)
    assert [u.id if u else None for u in got] == [1, None, 3]


def test_models_nested_in_json_values(skv: SyncKV):
    skv.set("list", [ALICE, {"plain": True}])
    first, second = skv.get("list")
    assert first["name"] == "Alice" and second == {"plain": True}


@pytest.mark.asyncio
async def test_async_model_roundtrip_and_cache(kv: KV):
    await kv.set("u:1", ALICE, ttl=30)
    assert await kv.get("u:1", model=User) == ALICE
    calls = []

    @kv.cached(ttl=30, model=User)
    async def load(uid: int) -> User:
        calls.append(uid)
        return ALICE.model_copy(update={"id": uid})

    first = await load(5)
    second = await load(5)
    assert isinstance(second, User) and second.id == 5 and first == second
    assert calls == [5]


def test_model_classes_made_at_run_time_are_freed(skv: SyncKV):
    # The compiled validator lives on the class, in a cycle the collector
    # sees: classes used with the store are freed once unused.
    def use(i: int) -> weakref.ref:
        cls = create_model(f"Leak{i}", n=(int, ...), tag=(str, "x"))
        skv.set(f"leak:{i}", cls(n=i))
        got = skv.get(f"leak:{i}", model=cls)
        assert isinstance(got, cls) and got.n == i
        return weakref.ref(cls)

    refs = [use(i) for i in range(300)]
    gc.collect()
    alive = [r for r in refs if r() is not None]
    assert alive == []


def test_subclass_gets_its_own_validator(skv: SyncKV):
    class Base(BaseModel):
        a: int

    class Child(Base):
        b: str

    skv.set("base", Base(a=1))
    assert skv.get("base", model=Base) == Base(a=1)
    skv.set("child", Child(a=2, b="x"))
    assert skv.get("child") == {"a": 2, "b": "x"}
    got = skv.get("child", model=Child)
    assert isinstance(got, Child) and got.b == "x"
