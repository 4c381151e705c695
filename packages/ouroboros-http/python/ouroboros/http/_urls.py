"""``URL`` and ``QueryParams``: httpx's URL model, parsed and normalised in one place.

A URL is kept as seven already-encoded ASCII parts (scheme, userinfo, host,
port, path, query, fragment); every property is derived from them and
``str(url)`` joins them again. Parsing follows RFC 3986 with the WHATWG
percent-encode sets, as httpx does: characters that need escaping are escaped,
valid ``%XX`` escapes are kept, ``.``/``..`` segments of absolute URLs are
removed, default ports are dropped, hosts are lower-cased and international
names are IDNA-encoded (UTS 46, the ``idna`` package).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urljoin

MAX_URL_LENGTH = 65536
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PRINTABLE = [chr(c) for c in range(0x20, 0x7F)]


def _keep(excluded: str) -> frozenset[str]:
    """Printable ASCII minus ``excluded``: the characters a part may hold unescaped."""
    return frozenset(c for c in _PRINTABLE if c not in excluded)


# WHATWG percent-encode sets, each the one before plus a few characters.
_FRAGMENT_OK = _keep(' "<>`')
_QUERY_OK = _keep(' "#<>')
_PATH_OK = _keep(' "#<>?`{}')
_CREDENTIAL_OK = _keep(' "#<>?`{}/:;=@[\\]^|')
_USERINFO_OK = _keep(' "#<>?`{}/;=@[\\]^|')  # the joined "user:password" keeps its colon
_HOST_OK = frozenset(_UNRESERVED | set("!$&'()*+,;=\"`{}%|\\"))
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_IPV4_LIKE = re.compile(r"\d+\.\d+\.\d+\.\d+")
_DEFAULT_PORTS = {"ftp": 21, "http": 80, "https": 443, "ws": 80, "wss": 443}
# What each keyword of URL(...) / copy_with(...) accepts.
_KEYWORD_TYPES: dict[str, type | None] = {
    "scheme": str,
    "username": str,
    "password": str,
    "userinfo": bytes,
    "host": str,
    "port": int,
    "netloc": bytes,
    "path": str,
    "query": bytes,
    "raw_path": bytes,
    "fragment": str,
    "params": None,
}


def _invalid(message: str) -> Exception:
    from ouroboros.http._errors import InvalidURL

    return InvalidURL(message)


def _escape_run(text: str, ok: frozenset[str]) -> str:
    if all(c in ok or c in _UNRESERVED for c in text):
        return text
    out = []
    for c in text:
        if c in ok or c in _UNRESERVED:
            out.append(c)
        else:
            out.extend(f"%{b:02X}" for b in c.encode("utf-8"))
    return "".join(out)


def quote(text: str, ok: frozenset[str]) -> str:
    """Escape what ``ok`` does not allow, keeping valid ``%XX`` escapes as they are."""
    pieces: list[str] = []
    last = 0
    for m in _ESCAPE.finditer(text):
        pieces.append(_escape_run(text[last : m.start()], ok))
        pieces.append(m.group())
        last = m.end()
    pieces.append(_escape_run(text[last:], ok))
    return "".join(pieces)


def _check_printable(text: str, where: str) -> None:
    for i, c in enumerate(text):
        if c.isascii() and not c.isprintable():
            raise _invalid(f"Invalid non-printable ASCII character in URL{where}, {c!r} at position {i}.")


def _encode_host(host: str) -> str:
    if not host:
        return ""
    if _IPV4_LIKE.fullmatch(host):
        try:
            ipaddress.IPv4Address(host)
        except ipaddress.AddressValueError:
            raise _invalid(f"Invalid IPv4 address: {host!r}") from None
        return host
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ipaddress.AddressValueError:
            raise _invalid(f"Invalid IPv6 address: {host!r}") from None
        return host[1:-1]
    if host.isascii():
        return quote(host.lower(), _HOST_OK)
    import idna

    try:
        return idna.encode(host.lower(), uts46=False).decode("ascii")
    except idna.IDNAError:
        raise _invalid(f"Invalid IDNA hostname: {host!r}") from None


def _port(value: str | None, scheme: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        port = int(value)
    except ValueError:
        raise _invalid(f"Invalid port: {value!r}") from None
    if not 0 <= port <= 65535:
        raise _invalid(f"Invalid port: {value!r}")
    return None if port == _DEFAULT_PORTS.get(scheme) else port


def _drop_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    segments = path.split("/")
    if "." not in segments and ".." not in segments:
        return path
    kept: list[str] = []
    for seg in segments:
        if seg == "..":
            if kept and kept != [""]:
                kept.pop()
        elif seg != ".":
            kept.append(seg)
    return "/".join(kept)


def _split(url: str) -> dict[str, str | None]:
    """The raw parts of a URL string (RFC 3986 appendix B, without normalising)."""
    parts: dict[str, str | None] = {"scheme": "", "authority": "", "query": None, "fragment": None}
    rest = url
    head, hash_, frag = rest.partition("#")
    if hash_:
        parts["fragment"], rest = frag, head
    head, qmark, query = rest.partition("?")
    if qmark:
        parts["query"], rest = query, head
    m = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*)?:", rest)
    if m and "/" not in rest[: m.end()]:
        parts["scheme"], rest = m.group(1) or "", rest[m.end() :]
    if rest.startswith("//"):
        end = len(rest)
        for stop in "/":
            i = rest.find(stop, 2)
            if i != -1:
                end = min(end, i)
        parts["authority"], rest = rest[2:end], rest[end:]
    parts["path"] = rest
    return parts


def _split_authority(authority: str) -> tuple[str, str, str | None]:
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        userinfo, hostport = "", authority
    if hostport.startswith("["):
        close = hostport.find("]")
        if close != -1:
            host, tail = hostport[: close + 1], hostport[close + 1 :]
            return userinfo, host, tail[1:] if tail.startswith(":") else (tail or None)
    host, colon, port = hostport.partition(":")
    return userinfo, host, port if colon else None


class _Parts:
    __slots__ = ("fragment", "host", "path", "port", "query", "scheme", "userinfo")

    def __init__(
        self,
        scheme: str,
        userinfo: str,
        host: str,
        port: int | None,
        path: str,
        query: str | None,
        fragment: str | None,
    ) -> None:
        self.scheme, self.userinfo, self.host, self.port = scheme, userinfo, host, port
        self.path, self.query, self.fragment = path, query, fragment

    def raw(self) -> dict[str, Any]:
        """The parts as keyword values for a re-parse (host bracketed again when IPv6)."""
        return {
            "scheme": self.scheme,
            "userinfo": self.userinfo,
            "host": f"[{self.host}]" if ":" in self.host else self.host,
            "port": None if self.port is None else str(self.port),
            "path": self.path,
            "query": self.query,
            "fragment": self.fragment,
        }

    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    def text(self, userinfo: str | None = None) -> str:
        info = self.userinfo if userinfo is None else userinfo
        authority = (f"{info}@" if info else "") + self.netloc()
        return "".join(
            (
                f"{self.scheme}:" if self.scheme else "",
                f"//{authority}" if authority else "",
                self.path,
                "" if self.query is None else f"?{self.query}",
                "" if self.fragment is None else f"#{self.fragment}",
            )
        )


def _parse(url: str, changes: dict[str, str | None]) -> _Parts:
    if len(url) > MAX_URL_LENGTH:
        raise _invalid("URL too long")
    _check_printable(url, "")
    for key, value in changes.items():
        if value is None:
            continue
        if len(value) > MAX_URL_LENGTH:
            raise _invalid(f"URL component '{key}' too long")
        _check_printable(value, f" {key} component")
        bad = (
            (key == "scheme" and not _SCHEME.fullmatch(value))
            or (key == "path" and ("?" in value or "#" in value))
            or (key == "query" and "#" in value)
            or (key == "userinfo" and "@" in value)
            or (key == "host" and not (value.startswith("[") and value.endswith("]")) and any(c in value for c in ":@"))
        )
        if bad:
            raise _invalid(f"Invalid URL component '{key}'")
    raw = _split(url)
    scheme = changes.get("scheme", raw["scheme"]) or ""
    userinfo, host, port = _split_authority(changes.get("authority", raw["authority"]) or "")
    userinfo = changes.get("userinfo", userinfo) or ""
    host = changes.get("host", host) or ""
    port = changes.get("port", port)
    path = changes.get("path", raw["path"]) or ""
    query = changes.get("query", raw["query"])
    fragment = changes.get("fragment", raw["fragment"])

    scheme = scheme.lower()
    userinfo = quote(userinfo, _USERINFO_OK)
    host = _encode_host(host)
    port_number = _port(port, scheme)
    has_authority = bool(userinfo or host or port_number is not None)
    if has_authority and path and not path.startswith("/"):
        raise _invalid("For absolute URLs, path must be empty or begin with '/'")
    if not scheme and not has_authority:
        if path.startswith("//"):
            raise _invalid("Relative URLs cannot have a path starting with '//'")
        if path.startswith(":"):
            raise _invalid("Relative URLs cannot have a path starting with ':'")
    if scheme or has_authority:
        path = _drop_dot_segments(path)
    return _Parts(
        scheme,
        userinfo,
        host,
        port_number,
        quote(path, _PATH_OK),
        None if query is None else quote(query, _QUERY_OK),
        None if fragment is None else quote(fragment, _FRAGMENT_OK),
    )


def _keyword_changes(kwargs: dict[str, Any]) -> dict[str, str | None]:
    """Check URL(...) keywords and turn them into string parts."""
    changes: dict[str, str | None] = {}
    for key, value in kwargs.items():
        if key not in _KEYWORD_TYPES:
            raise TypeError(f"{key!r} is an invalid keyword argument for URL()")
        want = _KEYWORD_TYPES[key]
        if value is not None and want is not None and not isinstance(value, want):
            raise TypeError(f"Argument {key!r} must be {want.__name__} but got {type(value).__name__}")
        if isinstance(value, bytes):
            value = value.decode("ascii")
        changes[key] = value
    if "params" in changes:
        params = changes.pop("params")
        text = str(QueryParams(params))  # type: ignore[arg-type]
        changes["query"] = text or None
    if "port" in changes and isinstance(changes["port"], int):
        changes["port"] = str(changes["port"])
    if "netloc" in changes:
        host, _, port = (changes.pop("netloc") or "").partition(":")
        changes["host"], changes["port"] = host, port
    if "username" in changes or "password" in changes:
        user = quote(changes.pop("username", None) or "", _CREDENTIAL_OK)
        password = quote(changes.pop("password", None) or "", _CREDENTIAL_OK)
        changes["userinfo"] = f"{user}:{password}" if password else user
    if "raw_path" in changes:
        path, qmark, query = (changes.pop("raw_path") or "").partition("?")
        changes["path"], changes["query"] = path, (query if qmark else None)
    host = changes.get("host")
    if host and ":" in host and not (host.startswith("[") and host.endswith("]")):
        changes["host"] = f"[{host}]"
    return changes


class URL:
    """A parsed, normalised URL with httpx's API.

    ``URL("https://example.com/a b?x=1")``, or from parts:
    ``URL(scheme="https", host="example.com", path="/")``; ``params=`` replaces
    the query. Compares equal to the same URL as a ``str``.
    """

    __slots__ = ("_parts", "_text")

    def __init__(self, url: URL | str = "", **kwargs: Any) -> None:
        changes = _keyword_changes(kwargs) if kwargs else {}
        if isinstance(url, URL):
            if not changes:
                self._parts, self._text = url._parts, url._text
                return
            base = url._parts.raw()
            self._parts = _parse("", {**base, **changes})
        elif isinstance(url, str):
            self._parts = _parse(url, changes)
        else:
            raise TypeError(f"Invalid type for url.  Expected str or httpx.URL, got {type(url)}: {url!r}")
        self._text = self._parts.text()

    @property
    def scheme(self) -> str:
        return self._parts.scheme

    @property
    def raw_scheme(self) -> bytes:
        return self._parts.scheme.encode("ascii")

    @property
    def userinfo(self) -> bytes:
        return self._parts.userinfo.encode("ascii")

    @property
    def username(self) -> str:
        return unquote(self._parts.userinfo.partition(":")[0])

    @property
    def password(self) -> str:
        return unquote(self._parts.userinfo.partition(":")[2])

    @property
    def host(self) -> str:
        """The host, IDNA names decoded back to Unicode (``raw_host`` is what is sent)."""
        host = self._parts.host
        if "xn--" in host:
            import idna

            try:
                return idna.decode(host)
            except idna.IDNAError:
                return host
        return host

    @property
    def raw_host(self) -> bytes:
        return self._parts.host.encode("ascii")

    @property
    def port(self) -> int | None:
        """The port, ``None`` when it is the scheme's default."""
        return self._parts.port

    @property
    def netloc(self) -> bytes:
        return self._parts.netloc().encode("ascii")

    @property
    def path(self) -> str:
        return unquote(self._parts.path or "/")

    @property
    def query(self) -> bytes:
        return (self._parts.query or "").encode("ascii")

    @property
    def params(self) -> QueryParams:
        return QueryParams(self._parts.query or "")

    @property
    def raw_path(self) -> bytes:
        path = self._parts.path or "/"
        if self._parts.query is not None:
            path += "?" + self._parts.query
        return path.encode("ascii")

    @property
    def fragment(self) -> str:
        return unquote(self._parts.fragment or "")

    @property
    def is_absolute_url(self) -> bool:
        return bool(self._parts.scheme and self._parts.host)

    @property
    def is_relative_url(self) -> bool:
        return not self.is_absolute_url

    def copy_with(self, **kwargs: Any) -> URL:
        """A copy with some parts replaced (same keywords as ``URL(...)``)."""
        return URL(self, **kwargs)

    def copy_set_param(self, key: str, value: Any = None) -> URL:
        return self.copy_with(params=self.params.set(key, value))

    def copy_add_param(self, key: str, value: Any = None) -> URL:
        return self.copy_with(params=self.params.add(key, value))

    def copy_remove_param(self, key: str) -> URL:
        return self.copy_with(params=self.params.remove(key))

    def copy_merge_params(self, params: Any) -> URL:
        return self.copy_with(params=self.params.merge(params))

    def join(self, url: URL | str) -> URL:
        """Resolve ``url`` against this one (RFC 3986 section 5)."""
        return URL(urljoin(self._text, str(URL(url))))

    def __hash__(self) -> int:
        return hash(self._text)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL):
            return self._text == other._text
        if isinstance(other, str):
            try:
                return self._text == URL(other)._text
            except Exception:  # noqa: BLE001 - an unparsable string is simply not equal
                return False
        return NotImplemented

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        info = self._parts.userinfo
        if ":" in info:
            info = info.split(":", 1)[0] + ":[secure]"
        return f"{type(self).__name__}({self._parts.text(info)!r})"


def _param_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


class QueryParams(Mapping[str, str]):
    """An immutable multi-dict of query parameters.

    Built from a query string, a mapping (list values repeat the key), pairs,
    or another ``QueryParams``; ``str()`` gives the form-encoded query.
    """

    __slots__ = ("_items",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > 1:
            raise TypeError("QueryParams() takes at most one positional argument")
        value = args[0] if args else (kwargs or None)
        items: list[tuple[str, str]] = []
        if value is None:
            pass
        elif isinstance(value, QueryParams):
            items = list(value._items)
        elif isinstance(value, (str, bytes)):
            text = value.decode("ascii") if isinstance(value, bytes) else value
            items = parse_qsl(text, keep_blank_values=True)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                values = v if isinstance(v, (list, tuple)) else [v]
                items.extend((str(k), _param_text(one)) for one in values)
        elif isinstance(value, Iterable):
            items = [(str(k), _param_text(v)) for k, v in value]
        else:
            raise TypeError(f"QueryParams() cannot be built from {type(value).__name__}")
        self._items: list[tuple[str, str]] = items

    def keys(self) -> Any:
        return {k: None for k, _ in self._items}.keys()

    def values(self) -> Any:
        return {k: self[k] for k in self.keys()}.values()

    def items(self) -> Any:
        return {k: self[k] for k in self.keys()}.items()

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def get(self, key: Any, default: Any = None) -> Any:
        for k, v in self._items:
            if k == str(key):
                return v
        return default

    def get_list(self, key: str) -> list[str]:
        return [v for k, v in self._items if k == str(key)]

    def set(self, key: str, value: Any = None) -> QueryParams:
        """A copy where ``key`` has the single value ``value``."""
        out = QueryParams()
        replaced = False
        for k, v in self._items:
            if k != key:
                out._items.append((k, v))
            elif not replaced:
                out._items.append((key, _param_text(value)))
                replaced = True
        if not replaced:
            out._items.append((key, _param_text(value)))
        return out

    def add(self, key: str, value: Any = None) -> QueryParams:
        out = QueryParams(self)
        out._items.append((str(key), _param_text(value)))
        return out

    def remove(self, key: str) -> QueryParams:
        out = QueryParams()
        out._items = [(k, v) for k, v in self._items if k != key]
        return out

    def merge(self, params: Any = None) -> QueryParams:
        """A copy with ``params`` added; their keys replace existing ones."""
        other = QueryParams(params)
        out = QueryParams(self)
        for key in other:
            out = out.remove(key)
        result = QueryParams()
        result._items = out._items + other._items
        # Keep the original order for keys that were replaced.
        order = [k for k, _ in self._items]
        result._items.sort(key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
        return result

    def __getitem__(self, key: Any) -> str:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __bool__(self) -> bool:
        return bool(self._items)

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryParams):
            return False
        return sorted(self._items) == sorted(other._items)

    def __str__(self) -> str:
        return urlencode(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def update(self, params: Any = None) -> None:
        raise RuntimeError("QueryParams are immutable; use q = q.merge(...) to make an updated copy")

    def __setitem__(self, key: str, value: str) -> None:
        raise RuntimeError("QueryParams are immutable; use q = q.set(key, value) to make an updated copy")


__all__ = ["URL", "QueryParams", "quote"]
