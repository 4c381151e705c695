"""Client sessions and multi-document transactions (session= on every operation)."""

from __future__ import annotations

import uuid

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb import (
    AggregationBuilder,
    BulkOperation,
    ClientSession,
    Document,
    InsertOne,
    OperationFailure,
    UpdateOne,
    get_connection,
    start_session,
)

pytestmark = pytest.mark.asyncio


class Account(Document):
    owner: str
    balance: int = 0

    class Settings:
        name = "tx_accounts"
        use_state_management = True


async def balances() -> dict[str, int]:
    return {a.owner: a.balance for a in await Account.find_all().to_list()}


async def test_commit_makes_writes_visible_together(conn):
    await Account.insert_many([Account(owner="a", balance=100), Account(owner="b", balance=0)])
    async with await start_session() as s:
        assert isinstance(s, ClientSession) and not s.in_transaction
        async with s.start_transaction():
            assert s.in_transaction
            await Account.find_one(Account.owner == "a", session=s).inc({"balance": -30})
            await Account.find_one(Account.owner == "b", session=s).inc({"balance": 30})
            # inside: the session sees its own writes; outside: nothing yet
            assert {a.owner: a.balance for a in await Account.find_all(session=s).to_list()} == {"a": 70, "b": 30}
            assert await balances() == {"a": 100, "b": 0}
        assert not s.in_transaction
    assert await balances() == {"a": 70, "b": 30}
    assert s.has_ended


async def test_exception_aborts(conn):
    await Account(owner="a", balance=100).insert()

    async def failing() -> None:
        async with start_session() as s, s.start_transaction():
            await Account(owner="c", balance=5).insert(session=s)
            await Account.find_one(Account.owner == "a", session=s).set({"balance": 0})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await failing()
    assert await balances() == {"a": 100}


async def test_explicit_abort_and_commit(conn):
    async with await get_connection().start_session() as s:
        await s.start_transaction()
        await Account(owner="x").insert(session=s)
        await s.abort_transaction()
        assert await Account.count() == 0
        await s.start_transaction()
        await Account(owner="y").insert(session=s)
        await s.commit_transaction()
    assert await balances() == {"y": 0}


async def test_document_writes_in_a_transaction_are_undone(conn):
    acc = await Account(owner="a", balance=1).insert()
    async with start_session() as s:
        async with s.start_transaction():
            acc.balance = 2
            await acc.save(session=s)
            acc.balance = 3
            await acc.replace(session=s)
            acc.balance = 4
            await acc.save_changes(session=s)
            await acc.inc({"balance": 1}, session=s)
            assert acc.balance == 5
            got = await Account.get(acc.id, session=s)
            assert got.balance == 5
            await s.abort_transaction()
        assert (await Account.get(acc.id)).balance == 1
        async with s.start_transaction():
            await acc.delete(session=s)
            assert await Account.count(session=s) == 0
            assert await Account.count() == 1
        assert await Account.count() == 0


async def test_many_document_operations_with_a_session(conn):
    async with start_session() as s, s.start_transaction():
        await Account.insert_many([Account(owner=f"u{i}", balance=i) for i in range(10)], session=s)
        await Account.find(Account.balance >= 5, session=s).update({"$inc": {"balance": 100}})
        assert await Account.find(Account.balance > 100, session=s).count() == 5
        assert sorted(await Account.distinct("balance", session=s))[-1] == 109
        await Account.update_many({"owner": "u0"}, {"$set": {"balance": -1}}, session=s)
        assert await Account.delete_one({"owner": "u1"}, session=s) == 1
        assert await Account.find(Account.owner == "u2", session=s).delete() == 1
        bulk = BulkOperation(Account, session=s)
        bulk.add(InsertOne(Account(owner="bulk")))
        bulk.add(UpdateOne({"owner": "u3"}, {"$set": {"balance": 33}}))
        result = await bulk.execute()
        assert result.inserted_count == 1 and result.modified_count == 1
        rows = await AggregationBuilder(Account, session=s).group({"_id": None, "n": {"$sum": 1}}).to_list()
        assert rows == [{"_id": None, "n": 9}]
        seen = [a.owner async for a in Account.find(session=s).sort("owner").batch_size(3)]
        assert len(seen) == 9 and seen[0] == "bulk"
        agg_seen = [r async for r in Account.find(session=s).aggregate([{"$project": {"_id": 0, "owner": 1}}])]
        assert len(agg_seen) == 9
        assert await Account.count() == 0  # nothing visible outside yet
        await s.abort_transaction()
    assert await Account.count() == 0


async def test_with_transaction(conn):
    async def move(session: ClientSession) -> str:
        await Account(owner="w", balance=7).insert(session=session)
        return "done"

    async with start_session() as s:
        assert await s.with_transaction(move) == "done"
    assert await balances() == {"w": 7}


async def test_session_without_transaction_reads_and_writes(conn):
    async with start_session() as s:
        await Account(owner="n", balance=1).insert(session=s)
        assert (await Account.find_one(Account.owner == "n", session=s)).balance == 1
        sid = s.session_id
        assert isinstance(sid, dict) and isinstance(sid["id"], uuid.UUID)
    assert await Account.count() == 1
    assert s.session_id is None


async def test_ended_session_is_refused(conn):
    s = await start_session()
    await s.end_session()
    with pytest.raises(InvalidArgumentError, match="ended"):
        await Account(owner="late").insert(session=s)
    with pytest.raises(InvalidArgumentError, match="ended"):
        await Account.find(session=s).to_list()
    with pytest.raises(InvalidArgumentError, match="ended"):
        await s.start_transaction()
    assert await Account.count() == 0


async def test_foreign_session_is_refused(conn):
    with pytest.raises(InvalidArgumentError, match="PyMongo session"):
        await Account(owner="x").insert(session=object())
    with pytest.raises(InvalidArgumentError, match="ClientSession"):
        Account.find(session="s")


async def test_commit_without_transaction_is_an_error(conn):
    async with start_session() as s:
        with pytest.raises(OperationFailure):
            await s.commit_transaction()
        with pytest.raises(InvalidArgumentError):
            await s.start_transaction(max_commit_time_ms=0)


async def test_write_conflict_between_transactions(conn):
    acc = await Account(owner="c", balance=0).insert()
    async with start_session() as s1, start_session() as s2:
        await s1.start_transaction()
        await s2.start_transaction()
        await Account.find_one({"_id": acc.id}, session=s1).set({"balance": 1})
        with pytest.raises(OperationFailure) as info:
            await Account.find_one({"_id": acc.id}, session=s2).set({"balance": 2})
        assert info.value.code == 112  # WriteConflict
        assert info.value.has_error_label("TransientTransactionError")
        assert "TransientTransactionError" in info.value.error_labels
        assert not info.value.has_error_label("UnknownTransactionCommitResult")
        await s2.abort_transaction()
        await s1.commit_transaction()
    assert (await Account.get(acc.id)).balance == 1


async def test_errors_without_labels(conn):
    with pytest.raises(OperationFailure) as plain:
        await Account.find({"$bogus": 1}).to_list()
    assert plain.value.error_labels == frozenset() and not plain.value.has_error_label("TransientTransactionError")


async def test_with_transaction_retries_a_transient_conflict(conn):
    acc = await Account(owner="r", balance=0).insert()
    attempts: list[int] = []
    async with start_session() as blocker, start_session() as s:
        # Another transaction holds the document: the first attempt conflicts.
        await blocker.start_transaction()
        await Account.find_one({"_id": acc.id}, session=blocker).inc({"balance": 100})

        async def add_ten(session: ClientSession) -> str:
            attempts.append(len(attempts))
            if len(attempts) == 3:
                # The other transaction commits before the second call's retry.
                await blocker.commit_transaction()
            await Account.find_one({"_id": acc.id}, session=session).inc({"balance": 10})
            return "ok"

        with pytest.raises(OperationFailure):
            # without retries (timeout 0) the conflict is raised
            await s.with_transaction(add_ten, timeout=0)
        assert not s.in_transaction
        assert await s.with_transaction(add_ten) == "ok"
    assert attempts == [0, 1, 2]
    assert (await Account.get(acc.id)).balance == 110


async def test_with_transaction_does_not_retry_other_errors(conn):
    calls: list[str] = []

    async def fails(session: ClientSession) -> None:
        calls.append("x")
        await Account(owner="gone", balance=1).insert(session=session)
        raise ValueError("not retried")

    async with start_session() as s:
        with pytest.raises(ValueError, match="not retried"):
            await s.with_transaction(fails)
        assert not s.in_transaction
        with pytest.raises(InvalidArgumentError, match="timeout"):
            await s.with_transaction(fails, timeout=-1)
    assert calls == ["x"] and await Account.count() == 0
