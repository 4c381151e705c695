"""TLS (sslmode, sslrootcert) against a private PostgreSQL started here with
ssl=on, a certificate authority and a server certificate made for the run with
the openssl CLI. Its pg_hba.conf accepts TLS connections only."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ouroboros import postgres

pytestmark = pytest.mark.asyncio


def _unavailable(reason: str) -> None:
    if os.environ.get("OUROBOROS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} but OUROBOROS_REQUIRE_SERVICES=1")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, port: int, certs: Path) -> None:
        self.port = port
        self.certs = certs

    def url(self, host: str = "localhost", **query: str) -> str:
        tail = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://postgres@{host}:{self.port}/postgres" + (f"?{tail}" if tail else "")


@pytest.fixture(scope="module")
def tls_server() -> Iterator[Server]:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    openssl = shutil.which("openssl")
    if not found or openssl is None:
        _unavailable("PostgreSQL server binaries or the openssl CLI are not installed")
    bindir = found[-1].parent
    user = "postgres" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="ob-pg-tls-"))
    base.chmod(0o755)
    certs, data = base / "certs", base / "data"
    certs.mkdir()
    data.mkdir(mode=0o700)
    if user:
        shutil.chown(data, user, user)

    def ssl(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, cwd=certs)

    days = ["-days", "2"]
    new_key = ["-newkey", "rsa:2048", "-nodes"]
    ssl("req", "-x509", *new_key, "-keyout", "ca.key", "-out", "ca.pem", *days, "-subj", "/CN=ob test CA")
    ssl("req", *new_key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (certs / "san.cnf").write_text("subjectAltName=DNS:localhost\n")
    ssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", *days, "-extfile", "san.cnf",
    )  # fmt: skip
    ssl("req", "-x509", *new_key, "-keyout", "other.key", "-out", "other.pem", *days, "-subj", "/CN=other CA")
    # A client certificate for the role `certuser`, signed by the test CA.
    ssl("req", *new_key, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=certuser")
    (certs / "client.cnf").write_text("extendedKeyUsage=clientAuth\n")  # an X.509 v3 certificate
    ssl(
        "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "client.pem", *days, "-extfile", "client.cnf",
    )  # fmt: skip
    # Revocation lists: the CA's with nothing revoked, the CA's revoking the
    # server's certificate, and one of the other CA (no list of the server's issuer).
    for prefix, key, cert in (("ca", "ca.key", "ca.pem"), ("other", "other.key", "other.pem")):
        (certs / f"{prefix}-index.txt").write_text("")
        (certs / f"{prefix}-crlnumber").write_text("01\n")
        (certs / f"{prefix}.cnf").write_text(
            f"[ca]\ndefault_ca = test\n[test]\ndatabase = {prefix}-index.txt\n"
            f"crlnumber = {prefix}-crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\n"
        )
        ssl("ca", "-config", f"{prefix}.cnf", "-keyfile", key, "-cert", cert, "-gencrl", "-out", f"{prefix}-none.crl")
    ssl("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-revoke", "server.pem")
    ssl("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem", "-gencrl", "-out", "ca-revoked.crl")
    # The client key encrypted as PKCS#8 (PBES2, AES-256-CBC) and in OpenSSL's legacy form.
    ssl("pkcs8", "-topk8", "-in", "client.key", "-out", "client-enc.key", "-passout", "pass:s3cret pw")
    ssl("rsa", "-in", "client.key", "-aes256", "-traditional", "-out", "client-legacy.key", "-passout", "pass:x")
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"],
        check=True, capture_output=True, user=user, cwd=data,
    )  # fmt: skip
    for name in ("server.pem", "server.key", "ca.pem"):
        shutil.copy(certs / name, data / name)
        (data / name).chmod(0o600)
        if user:
            shutil.chown(data / name, user, user)
    (data / "pg_hba.conf").write_text(
        "local all all trust\nhostssl all certuser 127.0.0.1/32 cert\n"
        "hostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n"
    )
    port = _free_port()
    log = open(base / "server.log", "wb")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        [
            str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(data),
            "-c", "listen_addresses=127.0.0.1", "-c", "ssl=on", "-c", "ssl_cert_file=server.pem",
            "-c", "ssl_key_file=server.key", "-c", "ssl_ca_file=ca.pem", "-c", "fsync=off",
        ],
        user=user, cwd=data, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        ready = [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
        while subprocess.run(ready).returncode != 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the TLS test server did not start:\n" + (base / "server.log").read_text())
            time.sleep(0.2)
        psql = [str(bindir / "psql"), "-h", str(data), "-p", str(port), "-U", "postgres", "-d", "postgres"]
        subprocess.run([*psql, "-c", "CREATE ROLE certuser LOGIN"], check=True, capture_output=True)
        yield Server(port, certs)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(base, ignore_errors=True)


async def _ssl_in_use(conn: postgres.Connection) -> bool:
    return await conn.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")


async def test_verify_full_checks_chain_and_host_name(tls_server):
    ca = tls_server.certs / "ca.pem"
    conn = await postgres.connect(tls_server.url(sslmode="verify-full", sslrootcert=str(ca)))
    try:
        assert await _ssl_in_use(conn) is True
        assert await conn.fetchval("SELECT $1::int + 1", 41) == 42
    finally:
        await conn.close()
    # The key=value form reads the same settings.
    dsn = f"host=localhost port={tls_server.port} user=postgres dbname=postgres sslmode=verify-full sslrootcert='{ca}'"
    pool = await postgres.create_pool(dsn, min_size=1, max_size=2)
    try:
        assert await pool.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") is True
    finally:
        await pool.close()


async def test_verify_full_refuses_a_certificate_for_another_name(tls_server):
    ca = tls_server.certs / "ca.pem"
    with pytest.raises(postgres.PostgresConnectionError, match=r"(?i)not valid for name") as err:
        await postgres.connect(tls_server.url("127.0.0.1", sslmode="verify-full", sslrootcert=str(ca)))
    assert f"127.0.0.1:{tls_server.port}" in str(err.value)
    # verify-ca checks the chain only: the same connection is accepted.
    conn = await postgres.connect(tls_server.url("127.0.0.1", sslmode="verify-ca", sslrootcert=str(ca)))
    assert await _ssl_in_use(conn) is True
    await conn.close()


async def test_verify_full_refuses_an_unknown_issuer(tls_server):
    other = tls_server.certs / "other.pem"
    with pytest.raises(postgres.PostgresConnectionError, match=r"(?i)unknown ?issuer"):
        await postgres.connect(tls_server.url(sslmode="verify-full", sslrootcert=str(other)))
    # require with a root certificate given acts as verify-ca.
    with pytest.raises(postgres.PostgresConnectionError, match=r"(?i)unknown ?issuer"):
        await postgres.connect(tls_server.url(sslmode="require", sslrootcert=str(other)))


async def test_require_and_prefer_encrypt_without_checking(tls_server):
    for query in ({"sslmode": "require"}, {"sslmode": "prefer"}, {}):
        conn = await postgres.connect(tls_server.url("127.0.0.1", **query))
        try:
            assert await _ssl_in_use(conn) is True, query
        finally:
            await conn.close()


async def test_disable_is_refused_by_a_tls_only_server(tls_server):
    with pytest.raises(postgres.PostgresError) as err:
        await postgres.connect(tls_server.url(sslmode="disable"))
    assert err.value.sqlstate == "28000"
    assert "no encryption" in str(err.value)


async def test_verify_modes_need_a_root_certificate(tls_server, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(postgres.InterfaceError, match="set sslrootcert=<CA file>"):
        await postgres.connect(tls_server.url(sslmode="verify-full"))
    with pytest.raises(postgres.InterfaceError, match=r"cannot read sslrootcert /nonexistent/ca\.pem"):
        await postgres.connect(tls_server.url(sslmode="verify-ca", sslrootcert="/nonexistent/ca.pem"))
    # libpq's default location is used when it exists.
    (tmp_path / ".postgresql").mkdir()
    shutil.copy(tls_server.certs / "ca.pem", tmp_path / ".postgresql" / "root.crt")
    conn = await postgres.connect(tls_server.url(sslmode="verify-full"))
    assert await _ssl_in_use(conn) is True
    await conn.close()
    with pytest.raises(postgres.InterfaceError, match=r"sslmode=\"sometimes\" is not one of"):
        await postgres.connect(tls_server.url(sslmode="sometimes"))


async def test_require_against_a_server_without_tls(dsn):
    probe = await postgres.connect(dsn)
    try:
        if await probe.fetchval("SHOW ssl") == "on":
            pytest.skip("the shared test server has TLS on")
    finally:
        await probe.close()
    sep = "&" if "?" in dsn else "?"
    with pytest.raises(postgres.PostgresConnectionError, match=r"(?i)tls|ssl"):
        await postgres.connect(f"{dsn}{sep}sslmode=require")


async def test_a_client_certificate_logs_in_a_cert_role(tls_server):
    certs = tls_server.certs
    url = tls_server.url(sslmode="verify-full", sslrootcert=str(certs / "ca.pem")).replace("postgres@", "certuser@")
    conn = await postgres.connect(f"{url}&sslcert={certs / 'client.pem'}&sslkey={certs / 'client.key'}")
    try:
        assert await conn.fetchval("SELECT current_user") == "certuser"
        dn = await conn.fetchval("SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert dn == "/CN=certuser"
    finally:
        await conn.close()
    # A pool presents it on every connection (key=value form, require mode).
    dsn = (
        f"host=127.0.0.1 port={tls_server.port} user=certuser dbname=postgres sslmode=require "
        f"sslcert='{certs / 'client.pem'}' sslkey='{certs / 'client.key'}'"
    )
    pool = await postgres.create_pool(dsn, min_size=2, max_size=2)
    try:
        users = await asyncio.gather(*(pool.fetchval("SELECT current_user") for _ in range(4)))
        assert users == ["certuser"] * 4
    finally:
        await pool.close()


async def test_a_cert_role_without_a_certificate_is_refused(tls_server, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    url = tls_server.url(sslmode="require").replace("postgres@", "certuser@")
    with pytest.raises(postgres.PostgresError) as err:
        await postgres.connect(url)
    assert err.value.sqlstate == "28000"
    assert "certificate" in str(err.value)
    # libpq's default files are presented when both exist.
    (tmp_path / ".postgresql").mkdir()
    shutil.copy(tls_server.certs / "client.pem", tmp_path / ".postgresql" / "postgresql.crt")
    shutil.copy(tls_server.certs / "client.key", tmp_path / ".postgresql" / "postgresql.key")
    conn = await postgres.connect(url)
    assert await conn.fetchval("SELECT current_user") == "certuser"
    await conn.close()


async def test_client_certificate_options_are_checked(tls_server):
    certs = tls_server.certs
    url = tls_server.url(sslmode="require")
    with pytest.raises(postgres.InterfaceError, match=r"sslcert=.*client\.pem needs sslkey"):
        await postgres.connect(f"{url}&sslcert={certs / 'client.pem'}")
    with pytest.raises(postgres.InterfaceError, match=r"cannot read sslkey /nonexistent/k\.pem"):
        await postgres.connect(f"{url}&sslcert={certs / 'client.pem'}&sslkey=/nonexistent/k.pem")
    # A password for an unencrypted key is ignored, as libpq does.
    conn = await postgres.connect(f"{url}&sslpassword=secret")
    await conn.close()
    # A key that does not belong to the certificate is refused before connecting.
    with pytest.raises(postgres.InterfaceError, match="client certificate or key is unusable"):
        await postgres.connect(f"{url}&sslcert={certs / 'client.pem'}&sslkey={certs / 'other.key'}")


async def test_an_encrypted_client_key_is_opened_with_sslpassword(tls_server):
    certs = tls_server.certs
    url = tls_server.url(sslmode="verify-full", sslrootcert=str(certs / "ca.pem")).replace("postgres@", "certuser@")
    cert = f"{url}&sslcert={certs / 'client.pem'}&sslkey={certs / 'client-enc.key'}"
    conn = await postgres.connect(f"{cert}&sslpassword=s3cret%20pw")
    try:
        assert await conn.fetchval("SELECT current_user") == "certuser"
    finally:
        await conn.close()
    # The key=value form, quoted.
    dsn = (
        f"host=localhost port={tls_server.port} user=certuser dbname=postgres sslmode=require "
        f"sslcert='{certs / 'client.pem'}' sslkey='{certs / 'client-enc.key'}' sslpassword='s3cret pw'"
    )
    conn = await postgres.connect(dsn)
    assert await conn.fetchval("SELECT current_user") == "certuser"
    await conn.close()
    with pytest.raises(
        postgres.InterfaceError, match=r"client-enc\.key is encrypted: give its password as sslpassword"
    ):
        await postgres.connect(cert)
    with pytest.raises(postgres.InterfaceError, match=r"cannot decrypt sslkey .*client-enc\.key with sslpassword"):
        await postgres.connect(f"{cert}&sslpassword=wrong")
    legacy = f"{url}&sslcert={certs / 'client.pem'}&sslkey={certs / 'client-legacy.key'}&sslpassword=x"
    with pytest.raises(postgres.InterfaceError, match=r"legacy PEM form.*openssl pkcs8 -topk8"):
        await postgres.connect(legacy)


async def test_revocation_lists_are_checked_in_the_verifying_modes(tls_server, tmp_path):
    certs = tls_server.certs
    base = tls_server.url(sslmode="verify-full", sslrootcert=str(certs / "ca.pem"))
    conn = await postgres.connect(f"{base}&sslcrl={certs / 'ca-none.crl'}")
    assert await _ssl_in_use(conn) is True
    await conn.close()
    with pytest.raises(postgres.PostgresConnectionError, match=r"(?i)revoked"):
        await postgres.connect(f"{base}&sslcrl={certs / 'ca-revoked.crl'}")
    # A folder of lists: every file in it is read.
    folder = tmp_path / "crls"
    folder.mkdir()
    shutil.copy(certs / "other-none.crl", folder / "a.r0")
    shutil.copy(certs / "ca-revoked.crl", folder / "b.r0")
    with pytest.raises(postgres.PostgresConnectionError, match=r"(?i)revoked"):
        await postgres.connect(f"{base}&sslcrldir={folder}")
    # Lists that do not cover the server's issuer: refused, as libpq does.
    with pytest.raises(postgres.PostgresConnectionError, match=r"(?i)revocation|crl"):
        await postgres.connect(f"{base}&sslcrl={certs / 'other-none.crl'}")
    # sslmode=require does not check certificates, so neither lists.
    conn = await postgres.connect(tls_server.url(sslmode="require") + f"&sslcrl={certs / 'ca-revoked.crl'}")
    await conn.close()
    with pytest.raises(postgres.InterfaceError, match="cannot read the revocation list"):
        await postgres.connect(f"{base}&sslcrl=/nonexistent/x.crl")
    with pytest.raises(postgres.InterfaceError, match="holds no certificate revocation list"):
        await postgres.connect(f"{base}&sslcrl={certs / 'ca.pem'}")


class TlsOnlyProxy:
    """Forwards connections that start with an SSLRequest to the server and
    drops any that start with a plain CancelRequest (as a proxy that accepts
    only TLS does); counts both."""

    SSL_REQUEST = (80877103).to_bytes(4, "big")
    CANCEL_REQUEST = (80877102).to_bytes(4, "big")

    def __init__(self, port: int) -> None:
        self.target = port
        self.tls = 0
        self.plain_cancels = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = await reader.readexactly(8)
        except asyncio.IncompleteReadError:
            writer.close()
            return
        if first[4:8] != self.SSL_REQUEST:
            self.plain_cancels += first[4:8] == self.CANCEL_REQUEST
            writer.close()
            return
        self.tls += 1
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        up_writer.write(first)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()


async def test_cancel_requests_of_a_tls_connection_go_over_tls(tls_server):
    proxy = TlsOnlyProxy(tls_server.port)
    await proxy.start()
    admin = await postgres.connect(tls_server.url(sslmode="require"))
    conn = await postgres.connect(f"postgresql://postgres@localhost:{proxy.port}/postgres?sslmode=require")
    try:
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        with pytest.raises(postgres.QueryTimeoutError):
            await conn.fetchval("SELECT pg_sleep(30)", timeout=0.3)
        # The server stopped the statement: the cancel request got through the proxy.
        for _ in range(50):
            state = await admin.fetchval("SELECT state FROM pg_stat_activity WHERE pid = $1", pid)
            if state == "idle":
                break
            await asyncio.sleep(0.1)
        assert state == "idle"
        assert proxy.plain_cancels == 0
        assert proxy.tls >= 2  # the connection and its cancel request
        assert await conn.fetchval("SELECT 42") == 42
        # Cancelling the awaiting task cancels the statement the same way.
        task = asyncio.ensure_future(conn.execute("SELECT pg_sleep(30)"))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await conn.fetchval("SELECT 'after'") == "after"
        assert proxy.plain_cancels == 0
    finally:
        await conn.close()
        await admin.close()
        await proxy.close()
