"""Streamed request bodies: a Python producer feeding the native bounded channel.

A body given as an iterator, generator, async iterator or file object (and a
multipart body with files) is not read into memory: a pump takes one chunk at
a time from it and hands it to a :class:`~ouroboros.http._http.RequestStream`,
a channel that holds at most :data:`CAPACITY` chunks between the producer and
the connection. The pump runs in a thread for sync bodies and as a task on
the event loop for async ones. Upload progress is reported to a callback
given as ``extensions={"upload_progress": callback}``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any

from ouroboros.core import InvalidArgumentError
from ouroboros.http._http import RequestStream

# Chunks held between the producer and the connection (at most 8 x 64 KiB for files).
CAPACITY = 8
_SLICE = 64 * 1024


class Upload:
    """One streamed body: the channel, the progress callback and the producer's error."""

    def __init__(self, request: Any, source: Any) -> None:
        callback = request.extensions.get("upload_progress")
        if callback is not None and not callable(callback):
            raise InvalidArgumentError(
                "extensions['upload_progress'] must be a callable taking (bytes_sent, total_bytes_or_None)"
            )
        self.callback: Callable[[int, int | None], Any] | None = callback
        length = request.headers.get("content-length")
        self.total: int | None = int(length) if length is not None and length.isdigit() else None
        self.channel = RequestStream(CAPACITY)
        self.source = source
        self.error: BaseException | None = None
        self._reported = -1

    def report(self) -> None:
        """Tell the callback how many bytes the connection has taken, when that changed."""
        if self.callback is None:
            return
        sent = self.channel.sent
        if sent != self._reported:
            self._reported = sent
            self.callback(sent, self.total)

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        self.channel.fail(f"the request body's producer raised {type(exc).__name__}: {exc}")

    # -- sync producers: a thread ------------------------------------------------
    def _pump(self) -> None:
        send = self.channel.send_sync
        report = self.report if self.callback is not None else None
        try:
            for chunk in self.source:
                if not send(chunk):
                    return
                if report is not None:
                    report()
            self.channel.finish()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self._failed(exc)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self._pump, name="ouroboros-http-upload", daemon=True)
        thread.start()
        return thread

    # -- async producers: a task of the caller's loop (asyncio or trio) ---------
    async def _apump_with(
        self, send_when_full: Callable[[Any], Awaitable[bool | None]], cancelled: type[BaseException]
    ) -> None:
        """Feed the channel from the async source; ``send_when_full`` waits for room (the
        loop's own way) and sends, giving None or False once the request is over."""
        channel = self.channel
        try_send = channel.try_send
        report = self.report if self.callback is not None else None
        try:
            async for chunk in self.source:
                taken = try_send(chunk)
                if taken is False:
                    taken = await send_when_full(chunk)
                if not taken:
                    return
                if report is not None:
                    report()
            channel.finish()
        except cancelled:
            channel.fail("the upload was cancelled")
            raise
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's task
            self._failed(exc)

    async def _send_asyncio(self, chunk: Any) -> bool | None:
        taken: bool | None = False
        while taken is False:
            # Full: one wait frees half the channel for the next chunks.
            if not await self.channel.wait_room():
                return None
            taken = self.channel.try_send(chunk)
        return taken

    async def trio_pump(self) -> None:
        """The pump under trio: room is waited for in a worker thread (trio cannot await
        the channel's asyncio awaitable)."""
        import trio

        async def send_in_thread(chunk: Any) -> bool:
            return await trio.to_thread.run_sync(self.channel.send_sync, chunk)

        await self._apump_with(send_in_thread, trio.Cancelled)

    def start_task(self) -> asyncio.Task[None]:
        return asyncio.ensure_future(self._apump_with(self._send_asyncio, asyncio.CancelledError))

    def done(self, *, answered: bool) -> None:
        """The request is over: release the producer; report the final count."""
        self.channel.abandon()
        if answered and self.error is None:
            self.report()

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def sliced(data: bytes) -> Iterable[bytes]:
    """A bytes body in 64 KiB slices (to report progress while it is sent)."""
    return (data[i : i + _SLICE] for i in range(0, len(data), _SLICE))


async def asliced(data: bytes) -> AsyncIterable[bytes]:
    for piece in sliced(data):
        yield piece
