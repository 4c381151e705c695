"""Startup and access logging through the standard `logging` module."""

import logging

from ouroboros.api import App, TestClient

app = App(title="Logged")


@app.get("/items/{n}")
async def item(n: int):
    return {"n": n}


def test_startup_line_names_the_address(caplog):
    caplog.set_level(logging.INFO, logger="ouroboros.api")
    with TestClient(app) as c:
        address = c.base_url
    lines = [r.getMessage() for r in caplog.records if r.name == "ouroboros.api"]
    assert f"ouroboros.api serving Logged on {address}" in lines


def test_access_log_has_method_path_status(caplog):
    caplog.set_level(logging.INFO, logger="ouroboros.api.access")
    with TestClient(app) as c:
        c.get("/items/3?x=1")
        c.get("/items/x")
        c.get("/missing")
    lines = [r.getMessage() for r in caplog.records if r.name == "ouroboros.api.access"]
    assert len(lines) == 3
    assert '"GET /items/3?x=1" 200' in lines[0]
    assert '"GET /items/x" 422' in lines[1]
    assert '"GET /missing" 404' in lines[2]
    assert lines[0].startswith("127.0.0.1:")


def test_access_log_can_be_forced_off(caplog):
    caplog.set_level(logging.INFO, logger="ouroboros.api.access")
    with TestClient(app, access_log=False) as c:
        c.get("/items/1")
    assert not [r for r in caplog.records if r.name == "ouroboros.api.access"]


def test_unhandled_errors_are_logged_with_their_traceback(caplog):
    import asyncio
    import traceback

    failing = App()

    @failing.get("/at-once")
    async def fails_before_awaiting():
        raise ValueError("at once")

    @failing.get("/later")
    async def fails_after_awaiting():
        await asyncio.sleep(0)
        raise ValueError("later")

    caplog.set_level(logging.ERROR, logger="ouroboros.api")
    with TestClient(failing, raise_server_exceptions=False) as c:
        assert c.get("/at-once").status_code == 500
        assert c.get("/later").status_code == 500
    records = [r for r in caplog.records if r.name == "ouroboros.api" and r.exc_info]
    assert [str(r.exc_info[1]) for r in records] == ["at once", "later"]
    for record, handler in zip(records, ["fails_before_awaiting", "fails_after_awaiting"], strict=True):
        frames = [f.name for f in traceback.extract_tb(record.exc_info[2])]
        assert handler in frames, frames
