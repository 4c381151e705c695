"""before_event / after_event around document operations."""

from __future__ import annotations

import datetime

import pytest

from ouroboros.mongodb import (
    Delete,
    Document,
    Insert,
    Replace,
    Save,
    SaveChanges,
    Update,
    ValidateOnSave,
    after_event,
    before_event,
)

pytestmark = pytest.mark.asyncio

CALLS: list[str] = []


class Audited(Document):
    name: str
    created_at: datetime.datetime | None = None
    version: int = 0

    class Settings:
        name = "audited"
        use_state_management = True
        validate_on_save = True

    @before_event(Insert)
    async def stamp(self):
        self.created_at = datetime.datetime(2024, 1, 1)
        CALLS.append("before insert")

    @after_event(Insert)
    def inserted(self):
        CALLS.append(f"after insert {self.id is not None}")

    @before_event(Save, Replace)
    def bump(self):
        self.version += 1
        CALLS.append("before save/replace")

    @after_event([Save, Replace])
    def saved(self):
        CALLS.append("after save/replace")

    @before_event(Delete)
    def deleting(self):
        CALLS.append("before delete")

    @after_event(Delete)
    async def deleted(self):
        CALLS.append("after delete")

    @before_event(Update)
    def updating(self):
        CALLS.append("before update")

    @after_event(SaveChanges)
    def changes_saved(self):
        CALLS.append("after save_changes")

    @before_event(ValidateOnSave)
    def validating(self):
        CALLS.append("validate")


class Child(Audited):
    @before_event(Insert)
    def child_hook(self):
        CALLS.append("child insert")


@pytest.fixture(autouse=True)
def _clear():
    CALLS.clear()


async def test_insert_hooks_run_in_order_and_can_change_the_document(conn):
    doc = await Audited(name="a").insert()
    assert CALLS == ["before insert", "validate", "after insert True"]
    assert (await Audited.get(doc.id)).created_at == datetime.datetime(2024, 1, 1)


async def test_save_and_replace_hooks(conn):
    doc = Audited(name="a")
    await doc.save()
    assert CALLS == ["before save/replace", "validate", "after save/replace"]
    CALLS.clear()
    await doc.replace()
    assert CALLS == ["before save/replace", "validate", "after save/replace"]
    assert (await Audited.get(doc.id)).version == 2


async def test_delete_update_and_save_changes_hooks(conn):
    doc = await Audited(name="a").insert()
    CALLS.clear()
    await doc.set({"name": "b"})
    assert CALLS == ["before update"]
    CALLS.clear()
    doc.name = "c"
    await doc.save_changes()
    assert CALLS == ["validate", "after save_changes"]
    CALLS.clear()
    await doc.delete()
    assert CALLS == ["before delete", "after delete"]


async def test_insert_many_runs_no_hooks_as_in_beanie(conn):
    await Audited.insert_many([Audited(name="a"), Audited(name="b")])
    assert CALLS == []
    assert all(d.created_at is None for d in await Audited.find_all().to_list())


async def test_subclass_inherits_hooks(conn):
    await Child(name="k").insert()
    assert CALLS[:2] == ["before insert", "child insert"]


async def test_bad_event_names():
    with pytest.raises(ValueError, match="unknown event"):
        before_event("Explode")
    with pytest.raises(ValueError, match="at least one"):
        after_event()
