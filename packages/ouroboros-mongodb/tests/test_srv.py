"""mongodb+srv:// resolved through a real DNS server.

The Rust driver's resolver reads the system's ``/etc/resolv.conf`` (its other
choices are public resolvers only), so the test runs the client in a child
process with a private mount namespace (``unshare -m``) whose resolv.conf names
a small DNS server (dnslib) started here on a loopback address, port 53. Its
SRV record points at the test server; a second name points outside the URI's
domain, which the driver must refuse. Needs root (``scripts/dev test`` runs as
root on the CI machines).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from dnslib import QTYPE, RR, SRV, TXT, A, DNSRecord
from dnslib.server import BaseResolver, DNSServer

REQUIRED = os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1"

# A loopback address of its own: nothing else listens on its port 53.
DNS_ADDRESS = "127.53.0.1"
DOMAIN = "example.test"


def _need_namespace() -> None:
    problem = None
    if os.geteuid() != 0:
        problem = "needs root (binds port 53 and bind-mounts /etc/resolv.conf in a private mount namespace)"
    elif shutil.which("unshare") is None or shutil.which("mount") is None:
        problem = "needs the unshare and mount commands (util-linux)"
    if problem is None:
        return
    if REQUIRED:
        pytest.fail(f"the mongodb+srv test {problem}, and OUROBOROS_REQUIRE_SERVICES=1")
    pytest.skip(f"the mongodb+srv test {problem}")


class Records(BaseResolver):  # type: ignore[misc]
    """SRV/TXT/A answers for a few names; every question is recorded."""

    def __init__(self, port: int, ip: str) -> None:
        self.port = port
        self.ip = ip
        self.questions: list[tuple[str, str]] = []

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".")
        kind = QTYPE[request.q.qtype]
        self.questions.append((name, kind))
        answers = {
            (f"_mongodb._tcp.cluster0.{DOMAIN}", "SRV"): [SRV(0, 0, self.port, f"db1.{DOMAIN}.")],
            (f"cluster0.{DOMAIN}", "TXT"): [TXT("replicaSet=secantus")],
            (f"_mongodb._tcp.stray.{DOMAIN}", "SRV"): [SRV(0, 0, self.port, "db1.elsewhere.test.")],
            (f"db1.{DOMAIN}", "A"): [A(self.ip)],
        }.get((name, kind), [])
        for rdata in answers:
            reply.add_answer(RR(request.q.qname, request.q.qtype, rdata=rdata, ttl=60))
        return reply


@pytest.fixture
def dns(mongo_uri: str) -> Iterator[Records]:
    _need_namespace()
    target = urlsplit(mongo_uri.split(",")[0])
    records = Records(target.port or 27017, socket.gethostbyname(target.hostname or "127.0.0.1"))
    server = DNSServer(records, address=DNS_ADDRESS, port=53)
    server.start_thread()
    try:
        yield records
    finally:
        server.stop()
        server.server.server_close()


CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from ouroboros.mongodb import Document, init
    from ouroboros.mongodb._errors import ConnectionFailure

    class Probe(Document):
        word: str

        class Settings:
            name = "srv_probe"

    async def main():
        out = {}
        conn = await init(sys.argv[1], document_models=[Probe], server_selection_timeout_ms=5000)
        await Probe.delete_all()
        await Probe(word="resolved").insert()
        out["found"] = [p.word for p in await Probe.find_all().to_list()]
        out["database"] = conn.database
        out["hosts"] = conn.client.hosts
        await conn.drop_database()
        try:
            await init(sys.argv[2], server_selection_timeout_ms=2000)
        except ConnectionFailure as exc:
            out["stray"] = [type(exc).__name__, str(exc)]
        print(json.dumps(out))

    asyncio.run(main())
    """
)


def run_in_namespace(tmp_path: Path, *args: str) -> dict[str, object]:
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {DNS_ADDRESS}\noptions timeout:2 attempts:2\n")
    child = tmp_path / "child.py"
    child.write_text(CHILD)
    script = 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"'
    done = subprocess.run(
        [
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            str(resolv),
            sys.executable,
            str(child),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_srv_uri_resolves_through_the_system_resolver(dns: Records, tmp_path: Path) -> None:
    database = f"ob_srv_{os.getpid()}"
    out = run_in_namespace(
        tmp_path,
        f"mongodb+srv://cluster0.{DOMAIN}/{database}?tls=false",
        f"mongodb+srv://stray.{DOMAIN}/{database}?tls=false",
    )
    # The SRV record's host (resolved by the same server) reached the database.
    assert out["found"] == ["resolved"]
    assert out["database"] == database
    assert f"db1.{DOMAIN}" in str(out["hosts"])
    asked = set(dns.questions)
    assert (f"_mongodb._tcp.cluster0.{DOMAIN}", "SRV") in asked
    assert (f"cluster0.{DOMAIN}", "TXT") in asked
    assert (f"db1.{DOMAIN}", "A") in asked
    # A host outside the URI's domain is refused at init, naming the lookup.
    kind, message = out["stray"]  # type: ignore[misc]
    assert kind == "ConnectionFailure"
    assert "mongodb+srv URI (DNS SRV/TXT lookup)" in message
    assert (f"_mongodb._tcp.stray.{DOMAIN}", "SRV") in asked
