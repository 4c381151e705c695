"""A script whose last line awaits a query exits cleanly (no abort at shutdown).

The awaitable is completed from a runtime thread; if the interpreter finalizes
while that thread is inside Python, CPython ends it with pthread_exit, which
aborts a Rust thread. The exit hook in `bridge.rs` prevents it; this runs the
race several times in fresh interpreters.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import asyncio, sys
from ouroboros.mongodb import init

async def main():
    conn = await init(sys.argv[1], database=sys.argv[2])
    await conn.command({"ping": 1})

asyncio.run(main())
"""


def test_exit_right_after_an_await_does_not_abort(mongo_uri):
    codes = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT, mongo_uri, "ob_exit_check"], capture_output=True, timeout=60
        ).returncode
        for _ in range(8)
    ]
    assert codes == [0] * 8
