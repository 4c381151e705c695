"""HTTP Digest authentication (RFC 7616): answer a ``WWW-Authenticate: Digest`` challenge."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Generator
from typing import Any

from ouroboros.http._models import Auth, Request

_HASHES = {"MD5": hashlib.md5, "SHA": hashlib.sha1, "SHA-256": hashlib.sha256, "SHA-512": hashlib.sha512}
_PARAM = re.compile(r'\s*([\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*)\s*,?')


class _Challenge:
    __slots__ = ("algorithm", "nonce", "opaque", "qop", "realm")

    def __init__(self, realm: str, nonce: str, algorithm: str, opaque: str | None, qop: str | None) -> None:
        self.realm, self.nonce, self.algorithm, self.opaque, self.qop = realm, nonce, algorithm, opaque, qop


def _parse_challenge(request: Request, header: str) -> _Challenge:
    from ouroboros.http._errors import ProtocolError

    _scheme, _, rest = header.partition(" ")
    fields = {m.group(1).lower(): m.group(2).strip().strip('"') for m in _PARAM.finditer(rest) if m.group(1)}
    try:
        return _Challenge(
            realm=fields["realm"],
            nonce=fields["nonce"],
            algorithm=fields.get("algorithm", "MD5"),
            opaque=fields.get("opaque"),
            qop=fields.get("qop"),
        )
    except KeyError:
        raise ProtocolError(
            f"{request.method} {request.url}: malformed Digest challenge (needs realm and nonce): {header!r}",
            method=request.method,
            url=str(request.url),
            request=request,
        ) from None


class DigestAuth(Auth):
    """HTTP Digest authentication (MD5, SHA, SHA-256, SHA-512 and their ``-sess`` forms, qop ``auth``).

    The first request goes without credentials; a 401 with a Digest challenge
    is answered once. Later requests reuse the challenge (with a growing nonce
    count) until the server sends a new one.
    """

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self._username = username.encode("utf-8") if isinstance(username, str) else username
        self._password = password.encode("utf-8") if isinstance(password, str) else password
        self._challenge: _Challenge | None = None
        self._nonce_count = 1

    def auth_flow(self, request: Request) -> Generator[Request, Any, None]:
        if self._challenge is not None:
            request.headers["Authorization"] = self._authorization(request, self._challenge)
        response = yield request
        if response.status_code != 401 or "www-authenticate" not in response.headers:
            return
        for header in response.headers.get_list("www-authenticate"):
            if header.lower().startswith("digest "):
                break
        else:
            return
        self._challenge = _parse_challenge(request, header)
        self._nonce_count = 1
        request.headers["Authorization"] = self._authorization(request, self._challenge)
        if response.cookies:
            from ouroboros.http._cookies import cookie_header

            request.headers["Cookie"] = cookie_header(response.cookies)
        yield request

    def _authorization(self, request: Request, challenge: _Challenge) -> str:
        from ouroboros.http._errors import ProtocolError

        algorithm = challenge.algorithm.upper()
        base = algorithm.removesuffix("-SESS")
        if base not in _HASHES:
            raise ProtocolError(
                f"{request.method} {request.url}: unsupported Digest algorithm {challenge.algorithm!r}",
                method=request.method,
                url=str(request.url),
                request=request,
            )
        hasher = _HASHES[base]

        def digest(data: bytes) -> bytes:
            return hasher(data).hexdigest().encode("ascii")

        uri = request.url.raw_path
        nonce = challenge.nonce.encode("utf-8")
        realm = challenge.realm.encode("utf-8")
        cnonce = self._get_client_nonce(self._nonce_count, nonce)
        nc = b"%08x" % self._nonce_count
        self._nonce_count += 1
        ha1 = digest(b":".join((self._username, realm, self._password)))
        if algorithm.endswith("-SESS"):
            ha1 = digest(b":".join((ha1, nonce, cnonce)))
        ha2 = digest(request.method.encode("ascii") + b":" + uri)
        qop = self._qop(request, challenge.qop)
        if qop is None:
            answer = digest(b":".join((ha1, nonce, ha2)))
        else:
            answer = digest(b":".join((ha1, nonce, nc, cnonce, qop, ha2)))
        fields: list[tuple[str, bytes, bool]] = [
            ("username", self._username, True),
            ("realm", realm, True),
            ("nonce", nonce, True),
            ("uri", uri, True),
            ("response", answer, True),
            ("algorithm", challenge.algorithm.encode("utf-8"), False),
        ]
        if challenge.opaque:
            fields.append(("opaque", challenge.opaque.encode("utf-8"), True))
        if qop is not None:
            fields += [("qop", b"auth", False), ("nc", nc, False), ("cnonce", cnonce, True)]
        text = ", ".join(
            f'{key}="{value.decode("utf-8")}"' if quoted else f"{key}={value.decode('utf-8')}"
            for key, value, quoted in fields
        )
        return "Digest " + text

    @staticmethod
    def _get_client_nonce(nonce_count: int, nonce: bytes) -> bytes:
        """A fresh client nonce (16 hex digits) for one answer."""
        seed = b"%d%s%s%s" % (nonce_count, nonce, time.ctime().encode(), os.urandom(8))
        return hashlib.sha1(seed).hexdigest()[:16].encode("ascii")

    @staticmethod
    def _qop(request: Request, qop: str | None) -> bytes | None:
        from ouroboros.http._errors import ProtocolError

        if qop is None:
            return None
        options = [q.strip() for q in qop.split(",")]
        if "auth" in options:
            return b"auth"
        if options == ["auth-int"]:
            raise NotImplementedError("Digest auth-int support is not yet implemented")
        raise ProtocolError(
            f"{request.method} {request.url}: unexpected Digest qop value {qop!r}",
            method=request.method,
            url=str(request.url),
            request=request,
        )


__all__ = ["DigestAuth"]
