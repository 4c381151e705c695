"""``Url``, ``MultiHostUrl`` and ``MultiHostHost`` of pydantic_core."""

from __future__ import annotations

from typing import TypedDict
from urllib.parse import urlsplit

from ouroboros.validation._types import Url

__all__ = ["MultiHostHost", "MultiHostUrl", "Url"]


class MultiHostHost(TypedDict):
    """One host of a multi-host URL."""

    username: str | None
    password: str | None
    host: str | None
    port: int | None


class MultiHostUrl(str):
    """A URL with several ``host:port`` pairs (``mongodb://a:1,b:2/db``)."""

    __ouroboros_url__ = True

    @property
    def scheme(self) -> str:
        return self.split("://", 1)[0]

    def hosts(self) -> list[MultiHostHost]:
        """Each host with its credentials and port."""
        rest = self.split("://", 1)[1] if "://" in self else self
        netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        creds, _, hostlist = netloc.rpartition("@")
        out: list[MultiHostHost] = []
        for item in hostlist.split(","):
            part = urlsplit(f"//{creds + '@' if creds else ''}{item}")
            out.append(
                MultiHostHost(username=part.username, password=part.password, host=part.hostname, port=part.port)
            )
        return out

    @property
    def path(self) -> str | None:
        rest = self.split("://", 1)[1] if "://" in self else self
        tail = rest.split("/", 1)
        return "/" + tail[1].split("?", 1)[0].split("#", 1)[0] if len(tail) == 2 else None

    @property
    def query(self) -> str | None:
        return self.split("?", 1)[1].split("#", 1)[0] if "?" in self else None

    @property
    def fragment(self) -> str | None:
        return self.split("#", 1)[1] if "#" in self else None

    def unicode_string(self) -> str:
        return str(self)
