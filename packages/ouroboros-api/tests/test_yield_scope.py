"""When a `yield` dependency's exit code runs: after the response with the
default scope ("request"), when the handler returns with scope="function"
(FastAPI's semantics since 0.118)."""

import time
from typing import Annotated

from ouroboros.api import App, Depends, HTTPException
from ouroboros.api.responses import StreamingResponse

app = App()
events: list[str] = []


async def session():
    state = {"open": True}
    events.append("enter")
    try:
        yield state
    finally:
        state["open"] = False
        events.append("exit")


def sync_session():
    state = {"open": True}
    try:
        yield state
    finally:
        state["open"] = False


@app.get("/request-scope")
async def request_scope(s: Annotated[dict, Depends(session)]):
    # The dict is written after the handler returns: its exit code has not
    # run yet, so the client sees it open.
    return s


@app.get("/function-scope")
async def function_scope(s: Annotated[dict, Depends(session, scope="function")]):
    return s


@app.get("/sync-request-scope")
def sync_request_scope(s: Annotated[dict, Depends(sync_session)]):
    return s


@app.get("/stream")
async def stream(s: Annotated[dict, Depends(session)]):
    async def body():
        events.append(f"body open={s['open']}")
        yield "a"
        yield "b"
        events.append("body end")

    return StreamingResponse(body(), media_type="text/plain")


@app.get("/stream-function-scope")
async def stream_function_scope(s: Annotated[dict, Depends(session, scope="function")]):
    async def body():
        events.append(f"body open={s['open']}")
        yield "a"

    return StreamingResponse(body(), media_type="text/plain")


async def guarded():
    try:
        yield "value"
    except HTTPException:
        events.append("saw HTTPException")
        raise


@app.get("/fails")
async def fails(v: Annotated[str, Depends(guarded)]):
    raise HTTPException(418, "teapot")


def wait_for(expected: list[str]) -> None:
    deadline = time.monotonic() + 5
    while events != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert events == expected


def test_request_scope_exits_after_the_response(client):
    events.clear()
    assert client.get("/request-scope").json() == {"open": True}
    wait_for(["enter", "exit"])


def test_function_scope_exits_before_the_response(client):
    events.clear()
    assert client.get("/function-scope").json() == {"open": False}
    assert events == ["enter", "exit"]


def test_sync_generator_dependency_uses_request_scope(client):
    assert client.get("/sync-request-scope").json() == {"open": True}


def test_streaming_body_runs_inside_the_dependency(client):
    events.clear()
    assert client.get("/stream").text == "ab"
    wait_for(["enter", "body open=True", "body end", "exit"])


def test_streaming_body_after_function_scope_exit(client):
    events.clear()
    assert client.get("/stream-function-scope").text == "a"
    wait_for(["enter", "exit", "body open=False"])


def test_handler_exception_reaches_the_dependency(client):
    events.clear()
    r = client.get("/fails")
    assert (r.status_code, r.json()) == (418, {"detail": "teapot"})
    assert events == ["saw HTTPException"]
