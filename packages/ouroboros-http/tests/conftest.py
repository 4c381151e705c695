"""Fixtures: the local servers of servers.py, started once per test session."""

from __future__ import annotations

import contextlib
import pathlib
import sys
from collections.abc import Iterator

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from servers import AppServer, RawServer, SinkServer


@pytest.fixture(scope="session")
def server() -> Iterator[AppServer]:
    s = AppServer().start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def base(server: AppServer) -> str:
    return server.url


@pytest.fixture(scope="session")
def ca():
    import trustme

    return trustme.CA()


@pytest.fixture(scope="session")
def tls_files(ca, tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile, cafile = d / "server.pem", d / "server.key", d / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(certfile)
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(certfile, append=True)
    cert.private_key_pem.write_to_path(keyfile)
    ca.cert_pem.write_to_path(cafile)
    client = ca.issue_cert("client@example.test")
    client_pem = d / "client.pem"
    client.private_key_and_cert_chain_pem.write_to_path(client_pem)
    return {"cert": str(certfile), "key": str(keyfile), "ca": str(cafile), "client": str(client_pem), "dir": d}


@pytest.fixture(scope="session")
def tls_server(tls_files) -> Iterator[AppServer]:
    s = AppServer(certfile=tls_files["cert"], keyfile=tls_files["key"]).start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def mtls_server(tls_files) -> Iterator[AppServer]:
    s = AppServer(
        certfile=tls_files["cert"], keyfile=tls_files["key"], ca_certs=tls_files["ca"], require_client_cert=True
    ).start()
    yield s
    s.stop()


def _raw(mode: str) -> Iterator[RawServer]:
    s = RawServer(mode).start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def stall_server() -> Iterator[RawServer]:
    yield from _raw("stall")


@pytest.fixture(scope="session")
def drop_server() -> Iterator[RawServer]:
    yield from _raw("drop")


@pytest.fixture(scope="session")
def garbage_server() -> Iterator[RawServer]:
    yield from _raw("garbage")


@pytest.fixture(scope="session")
def midbody_server() -> Iterator[RawServer]:
    yield from _raw("midbody")


@pytest.fixture(scope="session")
def bomb_server() -> Iterator[RawServer]:
    yield from _raw("bomb")


@pytest.fixture(scope="session")
def pattern_server() -> Iterator[RawServer]:
    yield from _raw("pattern")


@pytest.fixture(scope="session")
def endless_server() -> Iterator[RawServer]:
    yield from _raw("endless")


@pytest.fixture(scope="session")
def cookie_flood_server() -> Iterator[RawServer]:
    yield from _raw("cookies")


@pytest.fixture(scope="session")
def status700_server() -> Iterator[RawServer]:
    yield from _raw("status700")


@pytest.fixture(scope="session")
def status99_server() -> Iterator[RawServer]:
    yield from _raw("status99")


@pytest.fixture
def closed_port() -> str:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def server2() -> Iterator[AppServer]:
    """A second origin (another port), for cross-origin redirects."""
    s = AppServer().start()
    yield s
    s.stop()


@pytest.fixture
def backlog_full_url() -> Iterator[str]:
    """A port whose listen backlog is full: connecting hangs until the connect timeout."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(5):
        f = socket.socket()
        f.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            f.connect(("127.0.0.1", port))
        fillers.append(f)
    yield f"http://127.0.0.1:{port}"
    for f in fillers:
        f.close()
    listener.close()


@pytest.fixture(scope="session")
def sink() -> Iterator[SinkServer]:
    """Reads request bodies without keeping them; answers with their length and sha256."""
    s = SinkServer().start()
    yield s
    s.stop()
