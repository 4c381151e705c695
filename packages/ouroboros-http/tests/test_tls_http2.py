"""TLS (a CA made by trustme in the test), client certificates, HTTP/2 by ALPN and h2c."""

from __future__ import annotations

import pytest

from ouroboros.core import InvalidArgumentError
from ouroboros.http import ConnectError, HttpClient

pytestmark = pytest.mark.asyncio


async def test_custom_ca_bundle(tls_server, tls_files):
    async with HttpClient(verify=tls_files["ca"]) as c:
        r = await c.get(tls_server.url + "/echo")
        assert r.status_code == 200
        assert r.json()["scheme"] == "https"
        assert r.http_version == "HTTP/1.1"


async def test_unknown_ca_is_refused_by_default(tls_server):
    async with HttpClient() as c:
        with pytest.raises(ConnectError) as exc:
            await c.get(tls_server.url + "/echo")
        assert exc.value.url == tls_server.url + "/echo"
        assert "certificate" in str(exc.value).lower()


async def test_verification_can_be_turned_off(tls_server):
    async with HttpClient(verify=False) as c:
        r = await c.get(tls_server.url + "/json")
        assert r.json()["name"] == "ouroboros"


async def test_http2_by_alpn(tls_server, tls_files):
    async with HttpClient(verify=tls_files["ca"], http2=True) as c:
        r = await c.get(tls_server.url + "/echo")
        assert r.http_version == "HTTP/2"
        assert r.json()["http_version"] == "2"
        r = await c.post(tls_server.url + "/echo", json={"a": 1})
        assert r.json()["body"] == '{"a":1}'


async def test_http2_multiplexes_concurrent_requests(tls_server, tls_files):
    import asyncio

    async with HttpClient(verify=tls_files["ca"], http2=True) as c:
        rs = await asyncio.gather(*(c.get(tls_server.url + "/echo", params={"i": str(i)}) for i in range(20)))
        assert [r.json()["query"] for r in rs] == [[["i", str(i)]] for i in range(20)]
        assert {r.http_version for r in rs} == {"HTTP/2"}


async def test_http2_prior_knowledge_on_plain_tcp(base):
    async with HttpClient(http1=False, http2=True) as c:
        r = await c.get(base + "/echo")
        assert r.http_version == "HTTP/2"
        assert r.json()["http_version"] == "2"


async def test_http1_and_http2_cannot_both_be_off():
    with pytest.raises(InvalidArgumentError, match="http1"):
        HttpClient(http1=False)


async def test_client_certificate(mtls_server, tls_files):
    async with HttpClient(verify=tls_files["ca"], cert=tls_files["client"]) as c:
        r = await c.get(mtls_server.url + "/json")
        assert r.status_code == 200


async def test_client_certificate_as_separate_files(mtls_server, tls_files, ca):
    d = tls_files["dir"]
    leaf = ca.issue_cert("other-client@example.test")
    leaf.cert_chain_pems[0].write_to_path(d / "c.pem")
    leaf.private_key_pem.write_to_path(d / "c.key")
    async with HttpClient(verify=tls_files["ca"], cert=(d / "c.pem", d / "c.key")) as c:
        assert (await c.get(mtls_server.url + "/json")).status_code == 200


async def test_missing_client_certificate_is_refused(mtls_server, tls_files):
    async with HttpClient(verify=tls_files["ca"]) as c:
        with pytest.raises((ConnectError, Exception)) as exc:
            await c.get(mtls_server.url + "/json")
        from ouroboros.http import TransportError

        assert isinstance(exc.value, TransportError)
        assert exc.value.url == mtls_server.url + "/json"


@pytest.mark.parametrize("content", [b"not a pem", b""])
async def test_invalid_ca_bundle(tmp_path, content):
    p = tmp_path / "ca.pem"
    p.write_bytes(content)
    with pytest.raises(InvalidArgumentError, match="CA bundle"):
        HttpClient(verify=str(p))


async def test_missing_ca_file(tmp_path):
    with pytest.raises(InvalidArgumentError, match="cannot read"):
        HttpClient(verify=str(tmp_path / "nope.pem"))


async def test_invalid_client_certificate(tmp_path, tls_files):
    p = tmp_path / "bad.pem"
    p.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(InvalidArgumentError, match="client certificate"):
        HttpClient(cert=str(p))


async def test_verify_must_be_bool_or_path():
    with pytest.raises(InvalidArgumentError, match="verify="):
        HttpClient(verify=1.5)


async def test_ssl_cert_file_from_the_environment(tls_server, tls_files, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", tls_files["ca"])
    async with HttpClient() as c:
        assert (await c.get(tls_server.url + "/json")).status_code == 200
    async with HttpClient(trust_env=False) as c:
        with pytest.raises(ConnectError):
            await c.get(tls_server.url + "/json")
