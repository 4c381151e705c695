"""The Python helpers the Rust server calls on the asyncio loop's thread."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import types
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

from ouroboros.api import _plan
from ouroboros.api._encoding import ForeignResponse, _foreign_response
from ouroboros.api._threads import SyncPool, run_sync
from ouroboros.api.background import run_background
from ouroboros.api.exceptions import HTTPException, RequestValidationError, error_dicts
from ouroboros.api.requests import ProxyTrust, Request
from ouroboros.api.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

if TYPE_CHECKING:
    from ouroboros.api.app import App

logger = logging.getLogger("ouroboros.api")
access_logger = logging.getLogger("ouroboros.api.access")
_running: set[asyncio.Task[Any]] = set()


@types.coroutine
def _resume(coro: Any, yielded: Any) -> Generator[Any, Any, Any]:
    """Continue a coroutine Rust already stepped once, inside a Task.

    The first value the coroutine yielded (usually a Future it waits on) is
    handed to the Task as if the coroutine yielded it now.
    """
    while True:
        try:
            sent = yield yielded
        except BaseException as exc:  # noqa: BLE001 - whatever the Task throws in (cancel) goes to the coroutine
            try:
                yielded = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                yielded = coro.send(sent)
            except StopIteration as stop:
                return stop.value


async def _finish(coro: Any, yielded: Any) -> Any:
    return await _resume(coro, yielded)


def make_schedule(loop: asyncio.AbstractEventLoop | None) -> Callable[[Any, Any, Callable[[Any], None]], None]:
    def schedule(coro: Any, yielded: Any, done: Callable[[Any], None]) -> None:
        assert loop is not None, "the built-in server runs on asyncio"
        task = loop.create_task(_finish(coro, yielded))
        _running.add(task)
        task.add_done_callback(_running.discard)
        task.add_done_callback(done)

    return schedule


class GatedSelector:
    """The loop's selector, telling a server's I/O thread when the loop waits.

    While the loop's thread is blocked in ``select``, the server's I/O thread
    runs the requests it queued itself (the loop's ``drain``, in the same
    context, with this loop as the running loop) instead of waking this
    thread for them; waking up waits for such a batch to end, so Python code
    of the loop and of a batch never interleave. Everything else goes to the
    wrapped selector.
    """

    def __init__(self, inner: Any, server: Any) -> None:
        self._inner = inner
        self._server = server

    def select(self, timeout: float | None = None) -> Any:
        if timeout is not None and timeout <= 0:
            return self._inner.select(timeout)
        self._server.loop_idle()
        try:
            return self._inner.select(timeout)
        finally:
            self._server.loop_busy()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def gate_loop(loop: asyncio.AbstractEventLoop, server: Any) -> bool:
    """Let ``server``'s I/O thread run requests while ``loop`` waits, when
    the loop is one of asyncio's selector loops (not in debug mode, which
    checks the calling thread). ``server.drain`` must be its reader already:
    batches run in that reader's context, as ``drain`` does."""
    if not isinstance(loop, asyncio.selector_events.BaseSelectorEventLoop) or loop.get_debug():
        return False
    selector = getattr(loop, "_selector", None)
    try:
        context = selector.get_key(server.wake_fd()).data[0]._context  # type: ignore[union-attr]
    except (AttributeError, KeyError, IndexError, TypeError):
        return False
    if not all(hasattr(loop, name) for name in ("_debug", "_ready", "_scheduled", "_write_to_self")):
        return False
    server.attach_loop(loop, context)
    loop._selector = GatedSelector(selector, server)  # type: ignore[attr-defined]
    return True


def ungate_loop(loop: asyncio.AbstractEventLoop, server: Any, gated: bool) -> None:
    """Undo `gate_loop` (waits for a batch the I/O thread is running)."""
    if not gated:
        return
    server.detach_loop()
    parent, selector = None, getattr(loop, "_selector", None)
    while isinstance(selector, GatedSelector):
        if selector._server is server:
            if parent is None:
                loop._selector = selector._inner  # type: ignore[attr-defined]
            else:
                parent._inner = selector._inner
            return
        parent, selector = selector, selector._inner


_STOP = object()


def make_stream(
    loop: asyncio.AbstractEventLoop | None, pool: SyncPool | None = None, app: App | None = None
) -> Callable[[StreamingResponse, Any], None]:
    """The pump that feeds a streaming response's chunks to its connection.

    ``sink.send`` answers 2 once the client is a window behind; the pump then
    parks a future that the connection resolves when the client has read
    enough, so a client that does not read stops the iterator instead of
    filling the server's memory. Sync iterators (``FileResponse`` reads) run
    on the app's thread pool, never on the event loop.
    """

    async def pump(response: StreamingResponse, sink: Any) -> None:
        try:
            iterator = response.body_iterator
            if hasattr(iterator, "__aiter__"):
                async for chunk in iterator:
                    if not await _send(sink, response.encode_chunk(chunk)):
                        break
            else:
                it = iter(iterator)
                step = functools.partial(next, it, _STOP)
                while (chunk := await run_sync(pool, step)) is not _STOP:
                    if not await _send(sink, response.encode_chunk(chunk)):
                        break
        except Exception as exc:
            logger.exception("streaming response failed mid-body")
            if app is not None:
                # A TestClient with raise_server_exceptions raises it after the call.
                record_server_exception(app, exc)
        finally:
            sink.close()
            closer = getattr(response.body_iterator, "aclose", None)
            if closer is not None:
                await closer()
            else:
                closer = getattr(response.body_iterator, "close", None)
                if closer is not None:
                    closer()
            # Request-scoped yield dependencies exit once the body is out.
            for after in getattr(response, "_after_body", ()):
                try:
                    await after()
                except Exception:
                    logger.exception("a yield dependency failed after the response was sent")
            bg = getattr(response, "background", None)
            if bg is not None:
                try:
                    await run_background(bg, pool)
                except Exception:
                    logger.exception("background task %r failed", bg)

    async def _send(sink: Any, chunk: bytes) -> bool:
        state = sink.send(chunk)
        if state == 2:
            await wait_for_room(loop, sink)
        return state != 0

    def stream(response: StreamingResponse, sink: Any) -> None:
        task = loop.create_task(pump(response, sink))
        _running.add(task)
        task.add_done_callback(_running.discard)

    return stream


async def wait_for_room(loop: asyncio.AbstractEventLoop, conn: Any) -> None:
    """Wait until the connection's client has read enough of what was sent."""
    fut = loop.create_future()
    if conn.park(fut):
        await fut


def record_server_exception(app: App, exc: BaseException) -> None:
    """Keep an unhandled error for the app's `TestClient` (a few at most:
    each client call takes them)."""
    sink = app._server_exceptions
    if sink is not None and len(sink) < 16:
        sink.append(exc)


def unhandled(app: App, exc: BaseException) -> None:
    """An error raised while answering another one (an exception handler
    that raises, say): the server sends 500; the error is logged and kept
    for the app's `TestClient`, as Starlette's ServerErrorMiddleware does."""
    logger.error("an exception handler failed", exc_info=exc)
    record_server_exception(app, exc)


def make_on_error(app: App) -> Callable[[BaseException, Any], Any]:
    async def on_error(exc: BaseException, request: Any) -> Response:
        if isinstance(exc, ForeignResponse):
            return exc.adopt()  # type: ignore[no-any-return]
        for cls in type(exc).__mro__:
            handler = app.exception_handlers.get(cls)
            if handler is not None:
                result = handler(request, exc)
                if inspect.isawaitable(result):
                    result = await result
                if _foreign_response(result):  # a Starlette response
                    result = ForeignResponse(result).adopt()
                if cls in (Exception, BaseException):
                    # As Starlette's ServerErrorMiddleware: the handler's answer is
                    # sent and the error goes on (a TestClient raises it).
                    record_server_exception(app, exc)
                return result
        response = default_error_response(exc)
        if response.status_code >= 500 and not (isinstance(exc, HTTPException) or _starlette_http_exception(exc)):
            # A TestClient with raise_server_exceptions raises it in the test.
            record_server_exception(app, exc)
        return response

    return on_error


def access_log(method: str, target: str, status: int, seconds: float, client: tuple[str, int] | None) -> None:
    """One line per request on ``ouroboros.api.access`` (uvicorn's format)."""
    peer = f"{client[0]}:{client[1]}" if client else "-"
    access_logger.info('%s - "%s %s" %d %.2fms', peer, method, target, status, seconds * 1000)


def validation_error(body: bytes, route: Any = None, request: Any = None) -> RequestValidationError:
    """The exception for a 422 the router found, for the app's own handler
    (with the route's endpoint context when it is known, and as ``.body``
    the request's JSON body, or its text when it is not valid JSON, as
    FastAPI's)."""
    import json

    errors = json.loads(body)["detail"]
    for error in errors:
        # Locations are tuples, as in errors a handler raises (FastAPI's).
        if isinstance(error, dict) and isinstance(error.get("loc"), list):
            error["loc"] = tuple(error["loc"])
    return request_error(errors, route, request)


def request_error(errors: list[Any], route: Any = None, request: Any = None) -> RequestValidationError:
    """A request's validation errors as FastAPI raises them: with the
    route's endpoint context and the request's JSON body, when known."""
    ctx = _plan.endpoint_context(route) if getattr(route, "endpoint", None) is not None else None
    return RequestValidationError(errors, body=_json_body(request), endpoint_ctx=ctx)


def _json_body(request: Any) -> Any:
    """A request's JSON body as FastAPI hands it to ``RequestValidationError``
    (None without one; the text when it does not parse)."""
    import json

    data = getattr(request, "_data", None)
    raw = getattr(data, "body", b"") if data is not None else b""
    if not raw or "json" not in request.headers.get("content-type", ""):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


# The longest string input a 422 echoes back: a field's own input is small,
# but a whole body that failed as a string (a non-JSON body for a model)
# must not come back in the answer.
_MAX_ECHOED_INPUT = 1024


def body_error(
    failures: list[tuple[BaseException, tuple[Any, ...]]], route: Any = None, request: Any = None
) -> BaseException:
    """Compiled-schema ``ValidationError``s (one per parameter, with its
    location) as the request's one 422 error (with the route's endpoint
    context and the request's JSON body, when known)."""
    out: list[dict[str, Any]] = []
    for exc, loc in failures:
        errors = error_dicts(exc)
        if errors is None:
            return exc
        out.extend(_located(errors, loc))
    # FastAPI's order: path, query, header and cookie parameters, then the body.
    out.sort(key=lambda e: _SOURCE_ORDER.get(e["loc"][0] if e.get("loc") else "body", 4))
    return request_error(out, route, request)


_SOURCE_ORDER = {"path": 0, "query": 1, "header": 2, "cookie": 3}


def _located(errors: list[Any], loc: tuple[Any, ...]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        e = dict(e)
        e["loc"] = [*loc, *e.get("loc", ())]
        if e.get("type") == "json_invalid":
            # FastAPI's shape, which never echoes the (possibly huge) body back.
            reason = str(e.get("msg", "")).removeprefix("Invalid JSON: ")
            e["msg"] = "JSON decode error"
            e["input"] = {}
            e["ctx"] = {"error": reason}
        elif isinstance(e.get("input"), (str, bytes)) and len(e["input"]) > _MAX_ECHOED_INPUT:
            e["input"] = e["input"][:_MAX_ECHOED_INPUT]
        out.append(e)
    return out


def make_router_answer(
    middleware: list[Any],
    frontends: Sequence[Any] = (),
    guarded: dict[Any, Any] | None = None,
    routes: Sequence[Any] = (),
) -> Callable[..., Any]:
    """The answer to a request the router handled itself (no route, wrong
    method, trailing-slash redirect, body too large or taking too long,
    invalid parameters), run through the app's middleware chain; errors go
    through its exception handlers, as Starlette raises them in its router.
    With ``app.frontend()`` builds, a request no route matched goes to them."""
    from ouroboros.api._frontend import answer_unrouted
    from ouroboros.api.middleware import wrap_with_middleware

    async def answer(
        request: Any,
        status: int,
        detail: str,
        headers: list[tuple[str, str]],
        errors: bytes | None,
        route: int | None = None,
    ) -> Response:
        if errors is not None:
            found = routes[route] if route is not None and route < len(routes) else None
            raise validation_error(errors, found, request)
        if status == 404 and frontends:
            return await answer_unrouted(list(frontends), guarded or {}, request)
        if 300 <= status < 400:
            return Response(b"", status_code=status, headers=dict(headers))
        raise HTTPException(status, detail, headers=dict(headers) or None)

    # Called as `answer` is, with the request first (the chain's request index).
    return wrap_with_middleware(answer, middleware, 0, lambda result: b"", 200)


def make_error_renderer(request: Any) -> Callable[[BaseException], Any]:
    """Turn an exception into a response inside the middleware chain."""
    app = getattr(request, "app", None)

    async def render(exc: BaseException) -> Response:
        if app is not None:
            return await make_on_error(app)(exc, request)
        return default_error_response(exc)

    return render


def _starlette_http_exception(exc: BaseException) -> bool:
    """Starlette's ``HTTPException`` (raised by code written for Starlette,
    whose class FastAPI's extends): answered as ours."""
    return any(c.__name__ == "HTTPException" and c.__module__ == "starlette.exceptions" for c in type(exc).__mro__)


def default_error_response(exc: BaseException) -> Response:
    """FastAPI's default answers for its own exceptions, 500 for the rest."""
    if isinstance(exc, HTTPException) or _starlette_http_exception(exc):
        detail, status, headers = exc.detail, exc.status_code, exc.headers  # type: ignore[attr-defined]
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    if isinstance(exc, RequestValidationError):
        # As FastAPI's handler: through `jsonable_encoder`, so an exception in
        # an error's `ctx` (a validator's ValueError) is written as `{}`.
        from ouroboros.api.encoders import jsonable_encoder

        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
    logger.error("unhandled exception in a handler", exc_info=exc)
    return PlainTextResponse("Internal Server Error", status_code=500)


def make_websocket_factory(app: App, root_path: str = "", trust: ProxyTrust | None = None) -> Callable[[Any, Any], Any]:
    from ouroboros.api.websockets import WebSocket

    def make_websocket(data: Any, conn: Any) -> WebSocket:
        ws = WebSocket(data, conn)
        ws.app = app
        ws.root_path = root_path
        ws._trust = trust
        return ws

    return make_websocket


def wrap_websocket(invoke: Callable[..., Any], request_index: int) -> Callable[..., Any]:
    """Close the connection when the handler returns. What it raises goes
    to the app's exception handler for it, as in Starlette; a response that
    handler (or FastAPI's default one for `HTTPException`) gives before the
    handshake was accepted is sent as the HTTP answer to it. Anything else
    is logged and closes with 1011."""
    from ouroboros.api.exceptions import WebSocketDisconnect, WebSocketException
    from ouroboros.api.websockets import WebSocketState

    async def run(*values: Any) -> None:
        ws = values[request_index]
        code, reason = 1000, None
        try:
            await invoke(*values)
        except WebSocketDisconnect as exc:
            ws._handler_error = exc  # a TestClient raises it when the test leaves the session
        except WebSocketException as exc:
            code, reason = exc.code, exc.reason
        except RequestValidationError as exc:
            # FastAPI's handler of WebSocketRequestValidationError: 1008 with the errors.
            import json

            code, reason = 1008, json.dumps(_json_safe_errors(exc.errors()))
        except Exception as exc:
            response = await _websocket_error_response(ws, exc)
            if response is None:
                logger.exception("WebSocket handler for %s failed", ws.url_path)
                ws._handler_error = exc
                code = 1011
            elif isinstance(response, Response) and ws.application_state == WebSocketState.CONNECTING:
                await ws.send_denial_response(response)
        finally:
            await ws.close(code, reason)

    return run


def _json_safe_errors(errors: Any) -> Any:
    from ouroboros.api.encoders import jsonable_encoder

    return jsonable_encoder(errors)


async def _websocket_error_response(ws: Any, exc: Exception) -> Any:
    """What the app's exception handler for ``exc`` returns (it may close
    the connection itself), FastAPI's JSON answer to an `HTTPException`, or
    None when nothing handles ``exc``."""
    app = getattr(ws, "app", None)
    handlers = getattr(app, "exception_handlers", None) or {}
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            result = handler(ws, exc)
            return (await result if inspect.isawaitable(result) else result) or True
    if isinstance(exc, HTTPException):
        return default_error_response(exc)
    return None


def make_request_dispatch(server: Any, routes: list[dict[str, Any]]) -> Callable[[Any], Any]:
    """What FastAPI's default route handler does for a route served through
    its ``get_route_handler``: read the parameters from ``request`` (its
    `body()` as it returns it), run the route and give its `Response`. Errors
    propagate, `RequestValidationError` for invalid parameters included."""
    from ouroboros.api import _api

    async def dispatch(request: Any) -> Response:
        body = await request.body()
        client = request.client
        decision = _api.asgi_dispatch(
            server,
            request.method,
            request.url_path,
            request._data.query_string,
            [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers._items],
            bytes(body),
            tuple(client) if client else None,
            lambda _data: request,
        )
        if decision[0] == "response":
            _, status, headers, payload = decision
            if status == 422:
                raise validation_error(payload)
            return _raw_response(status, headers, payload)
        _, index, args = decision
        compiled = routes[index]
        result = _plan.call_route(compiled, args)
        if compiled["is_async"] or inspect.isawaitable(result):
            result = await result
        rendered = _api.asgi_render(server, index, result)
        if rendered[0] == "full":
            return _raw_response(*rendered[1:])
        return rendered[1]  # type: ignore[no-any-return]

    return dispatch


def _raw_response(status: int, headers: list[tuple[bytes, bytes]], payload: bytes) -> Response:
    response = Response(payload, status_code=status)
    response.raw_headers = [(k.lower(), v) for k, v in headers if k.lower() != b"content-length"]
    return response


def make_request_factory(app: App, root_path: str = "", trust: ProxyTrust | None = None) -> Callable[[Any], Request]:
    def make_request(data: Any) -> Request:
        request = Request(data)
        request.app = app
        request.root_path = root_path
        request._trust = trust
        if app.lifespan_state:
            request.state.update(app.lifespan_state)
        return request

    return make_request
