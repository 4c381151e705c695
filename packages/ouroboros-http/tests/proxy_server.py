"""A minimal forward HTTP proxy for the tests (absolute-form requests to http:// targets)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from servers import StreamServer


class ForwardProxy(StreamServer):
    """Relays ``GET http://host:port/path HTTP/1.1`` to the target and records each request line."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = lines[0].split(" ", 2)
                self.seen.append(f"{method} {target}")
                length = 0
                for line in lines[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                parts = urlsplit(target)
                up_r, up_w = await asyncio.open_connection(parts.hostname, parts.port or 80)
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                headers = [ln for ln in lines[1:] if ln and not ln.lower().startswith(("proxy-", "connection"))]
                up_w.write(
                    f"{method} {path} {version}\r\n".encode()
                    + "\r\n".join([*headers, "x-via-proxy: yes", "connection: close"]).encode()
                    + b"\r\n\r\n"
                    + body
                )
                await up_w.drain()
                response = await up_r.read()
                up_w.close()
                # The proxy closes after each answer (HTTP/1.1 allows it with "connection: close").
                response = response.replace(b"\r\n\r\n", b"\r\nconnection: close\r\n\r\n", 1)
                writer.write(response)
                await writer.drain()
                break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
