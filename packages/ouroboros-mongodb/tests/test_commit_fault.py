"""`with_transaction` when the commit's outcome is unknown: a private server is
killed between the transaction's writes and its commit, and started again on the
same port and storage while the commit is being retried.

The commit then fails with a network/server-selection error, which the driver
labels `UnknownTransactionCommitResult`: `with_transaction` commits again (not
the whole callback). Once the server is back, the retried commit gets
`NoSuchTransaction` (the transaction died with the process), labelled
`TransientTransactionError`, so the callback runs once more and commits.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ouroboros.mongodb import ClientSession, Document, MongoError, init, start_session
from ouroboros.mongodb import _connection as connection_module

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[3]


class Ledger(Document):
    entry: str

    class Settings:
        name = "fault_ledger"


def secantusd() -> str:
    """The server binary where scripts/services installs it (its tools venv)."""
    services = Path(os.environ.get("OUROBOROS_SERVICES_DIR", ROOT / ".services"))
    tools = Path(os.environ.get("OUROBOROS_SERVICES_TOOLS", services / "venv"))
    exe = tools / "bin" / "secantusd-py"
    found = str(exe) if exe.exists() else shutil.which("secantusd-py")
    if not found:
        message = "secantusd-py not found (scripts/services start mongodb installs it; OUROBOROS_SERVICES_TOOLS)"
        if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A private SecantusDB process that can be killed and started again."""

    def __init__(self, exe: str, port: int, data: Path) -> None:
        self.exe, self.port, self.data = exe, port, data
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [self.exe, "--host", "127.0.0.1", "--port", str(self.port), "--storage-path", str(self.data)]
        self.proc = subprocess.Popen(
            [*cmd, "--log-level", "WARNING"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"secantusd-py did not listen on port {self.port} within 30 s")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(secantusd(), free_port(), tmp_path / "data")
    srv.start()
    try:
        yield srv
    finally:
        srv.kill()


async def test_unknown_commit_result_is_committed_again(server: Server, monkeypatch):
    uri = f"mongodb://127.0.0.1:{server.port}/?directConnection=true&serverSelectionTimeoutMS=1500"
    await init(uri, database="fault", document_models=[Ledger])
    # Every commit attempt and the labels of its failure (our own method, wrapped).
    commits: list[frozenset[str] | None] = []
    original = ClientSession.commit_transaction

    async def recording_commit(self: ClientSession) -> None:
        try:
            await original(self)
        except MongoError as exc:
            commits.append(exc.error_labels)
            raise
        commits.append(None)

    monkeypatch.setattr(ClientSession, "commit_transaction", recording_commit)
    runs: list[int] = []
    restarted: list[asyncio.Task[None]] = []

    async def restart_later() -> None:
        # Later than the driver's own single commit retry (server selection: 1.5 s).
        await asyncio.sleep(2.0)
        await asyncio.to_thread(server.start)

    async def write(session: ClientSession) -> str:
        runs.append(len(runs))
        await Ledger(entry=f"run {len(runs)}").insert(session=session)
        if len(runs) == 1:
            # The write is in the open transaction; the server dies before the commit.
            server.kill()
            restarted.append(asyncio.create_task(restart_later()))
        return "done"

    try:
        async with await start_session() as s:
            assert await s.with_transaction(write, timeout=60) == "done"
        await restarted[0]
        # The first commit's outcome was unknown and it was committed again
        # (not rerun) until the server answered; the transaction had died with
        # the process, so the callback ran a second time and that commit won.
        assert len(commits) >= 3
        assert all(c is not None and "UnknownTransactionCommitResult" in c for c in commits[:-2])
        assert commits[-2] is not None and "TransientTransactionError" in commits[-2]
        assert commits[-1] is None
        assert runs == [0, 1]
        assert [d.entry for d in await Ledger.find_all().to_list()] == ["run 2"]
    finally:
        connection_module._current = None
