"""``Url``, ``MultiHostUrl`` and ``MultiHostHost`` of pydantic_core."""

from __future__ import annotations

from typing import Any, ClassVar, TypedDict
from urllib.parse import urlsplit

from ouroboros.validation._types import _DEFAULT_PORTS, Url, _build_text, _host_of, _UrlCommon

__all__ = ["MultiHostHost", "MultiHostUrl", "Url"]


class MultiHostHost(TypedDict):
    """One host of a multi-host URL."""

    username: str | None
    password: str | None
    host: str | None
    port: int | None


class MultiHostUrl(_UrlCommon):
    """A URL with several ``host:port`` pairs (``mongodb://a:1,b:2/db``)."""

    __slots__ = ()
    __ouroboros_type_schema__: ClassVar[dict[str, Any]] = {"type": "url", "multi_host": True}

    def hosts(self) -> list[MultiHostHost]:
        """Each host with its credentials (on the first host) and port."""
        netloc = self._split().netloc
        creds, _, hostlist = netloc.rpartition("@")
        out: list[MultiHostHost] = []
        for i, item in enumerate(hostlist.split(",")):
            part = urlsplit(f"//{creds + '@' if creds and i == 0 else ''}{item}")
            host = _host_of(item) or None
            port = part.port if part.port is not None else _DEFAULT_PORTS.get(self.scheme)
            out.append(
                MultiHostHost(username=part.username or None, password=part.password or None, host=host, port=port)
            )
        return out

    @classmethod
    def build(
        cls,
        *,
        scheme: str,
        hosts: list[MultiHostHost] | None = None,
        host: str | None = None,
        username: str | None = None,
        password: str | None = None,
        port: int | None = None,
        path: str | None = None,
        query: str | None = None,
        fragment: str | None = None,
    ) -> Any:
        """A URL from its parts: one ``host`` or a list of ``hosts`` dicts."""
        parts = list(hosts) if hosts else [MultiHostHost(username=username, password=password, host=host, port=port)]
        items = [(h.get("username"), h.get("password"), h.get("host"), h.get("port")) for h in parts]
        return cls(_build_text(scheme, items, path, query, fragment))


MultiHostUrl.__ouroboros_type_schema__ = {
    "type": "url",
    "multi_host": True,
    "wrap": MultiHostUrl._trusted,
    "cls": MultiHostUrl,
}
