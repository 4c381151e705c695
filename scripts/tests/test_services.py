"""scripts/services starts every service from a checkout in a 0700 folder, as root and as another user.

Each case copies scripts/services into a fresh private folder (mode 0700, owned by
the user who runs it, as `mktemp -d` or a home directory would be), starts all
four services on free ports with an empty environment, talks to each over its
own protocol, then purges them. The team's running services are never touched:
their variables are removed from the environment and other ports are used.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services"
TEST_USER = "ouroboros-ci"
VARIABLES = ["OUROBOROS_POSTGRES_DSN", "OUROBOROS_REDIS_URL", "OUROBOROS_NATS_URL", "OUROBOROS_MONGODB_URI"]


@dataclass
class Runner:
    """Runs commands as one user in a private copy of scripts/services."""

    user: str
    uid: int
    home: Path
    checkout: Path
    tools: Path

    def env(self) -> dict[str, str]:
        path = os.environ["PATH"] if self.uid == os.geteuid() else "/usr/local/bin:/usr/bin:/bin"
        return {
            "PATH": path,
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "OUROBOROS_SERVICES_ANY_PORT": "1",
            "OUROBOROS_SERVICES_TOOLS": str(self.tools),
        }

    def as_user(self, *cmd: str) -> list[str]:
        """`cmd` run as this user: runuser when we are root, passwordless sudo otherwise."""
        if self.uid == os.geteuid():
            return list(cmd)
        switch = [_sbin("runuser"), "-u", self.user, "--"] if os.geteuid() == 0 else ["sudo", "-n", "-u", self.user]
        return [*switch, "env", *(f"{k}={v}" for k, v in self.env().items()), *cmd]

    def read(self, path: Path) -> str:
        return subprocess.run(self.as_user("cat", str(path)), capture_output=True, text=True, check=True).stdout

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = self.as_user(str(self.checkout / "scripts" / "services"), *args)
        proc = subprocess.run(cmd, env=self.env(), cwd="/", capture_output=True, text=True, timeout=240, check=False)
        if check and proc.returncode:
            pytest.fail(f"{' '.join(args)} as {self.user} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        return proc


def _sbin(name: str) -> str:
    found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if not found:
        pytest.fail(f"{name} is missing (Debian: apt-get install util-linux passwd)")
    return found


def _passwordless_sudo() -> bool:
    return bool(shutil.which("sudo")) and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0


def _private_checkout(owner: pwd.struct_passwd) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ouroboros-0700-"))
    (folder / "repo" / "scripts").mkdir(parents=True)
    shutil.copy2(SERVICES, folder / "repo" / "scripts" / "services")
    if owner.pw_uid != os.geteuid():
        chown = ["chown", "-R", f"{owner.pw_uid}:{owner.pw_gid}", str(folder)]
        subprocess.run(chown if os.geteuid() == 0 else ["sudo", "-n", *chown], check=True)
    return folder / "repo"  # mkdtemp made the folder 0700


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run([_sbin("useradd"), "--system", "--create-home", "--shell", "/bin/sh", TEST_USER], check=True)
        return pwd.getpwnam(TEST_USER)


@pytest.fixture(params=["root", "user"])
def runner(request: pytest.FixtureRequest) -> Iterator[Runner]:
    me = os.geteuid()
    if request.param == "root":
        if me != 0 and not _passwordless_sudo():
            pytest.skip("needs root or passwordless sudo to start the services as root")
        owner = pwd.getpwuid(0)
    else:
        owner = _ensure_user() if me == 0 else pwd.getpwuid(me)
    # The tools venv (NATS, SecantusDB) is installed once per user and reused;
    # root reuses the real checkout's when `scripts/services start` made one.
    tools = Path(owner.pw_dir) / ".cache" / "ouroboros-services-tools"
    shared = ROOT / ".services" / "venv"
    if owner.pw_uid == 0 and (shared / "bin" / "secantusd-py").exists():
        tools = shared
    checkout = _private_checkout(owner)
    runner = Runner(owner.pw_name, owner.pw_uid, Path(owner.pw_dir), checkout, tools)
    try:
        yield runner
    finally:
        runner.run("purge", check=False)
        subprocess.run(runner.as_user("rm", "-rf", str(checkout.parent)), check=False)


def _exports(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        found[key] = value.strip("'")
    return found


def _exchange(url: str, send: bytes, expect_prefix: bytes) -> bytes:
    parsed = urlparse(url)
    assert parsed.hostname == "127.0.0.1", url
    with socket.create_connection((parsed.hostname, parsed.port), timeout=10) as s:
        if send:
            s.sendall(send)
        data = s.recv(4096)
    assert data.startswith(expect_prefix), (url, data[:80])
    return data


def test_services_start_from_a_private_checkout(runner: Runner) -> None:
    assert stat.S_IMODE(runner.checkout.parent.stat().st_mode) == 0o700
    started = runner.run("start")
    env = _exports(runner.read(runner.checkout / ".services" / "env"))
    assert sorted(env) == sorted(VARIABLES), started.stdout

    # PostgreSQL answers a query, and its data lives outside the private checkout.
    dsn = urlparse(env["OUROBOROS_POSTGRES_DSN"])
    psql = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1]
    query = subprocess.run(
        [str(psql), "-h", "127.0.0.1", "-p", str(dsn.port), "-U", "postgres", "-tAc", "select 40 + 2"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (query.returncode, query.stdout.strip()) == (0, "42"), query.stderr
    data = Path(runner.read(runner.checkout / ".services" / "postgres-data").strip())
    assert not data.is_relative_to(runner.checkout), data
    server_user = "postgres" if runner.uid == 0 else runner.user
    assert data.stat().st_uid == pwd.getpwnam(server_user).pw_uid
    assert stat.S_IMODE(data.stat().st_mode) == 0o700  # /var/tmp/<name> itself can be stat'ed by anyone

    # Redis, NATS and the MongoDB-wire server answer on their own protocols.
    _exchange(env["OUROBOROS_REDIS_URL"], b"PING\r\n", b"+PONG")
    assert b'"jetstream":true' in _exchange(env["OUROBOROS_NATS_URL"], b"", b"INFO ")
    ping = subprocess.run(
        runner.as_user(
            str(runner.tools / "bin" / "python"),
            "-c",
            "import sys, pymongo; print(pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)"
            ".admin.command('ping')['ok'])",
            env["OUROBOROS_MONGODB_URI"],
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ping.stdout.strip() == "1.0", ping.stderr

    # Stop closes every port.
    runner.run("stop")
    for variable in VARIABLES:
        port = urlparse(env[variable]).port
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
