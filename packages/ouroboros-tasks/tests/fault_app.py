"""The app the fault tests run in worker subprocesses (`fault_app:tasks`).

Broker, prefix and limits come from the environment the test sets.
"""

import os
import time
from pathlib import Path

from ouroboros.tasks import App

tasks = App(
    os.environ.get("FAULT_BROKER", "local://.ouroboros/fault.redb"),
    prefix=os.environ.get("FAULT_PREFIX", "fault"),
    ack_wait=1.0,
    max_deliveries=int(os.environ.get("FAULT_MAX_DELIVERIES", "10")),
)


@tasks.task
def slow(marker_dir: str, n: int, pad: str = "") -> int:
    Path(marker_dir, f"started-{n}-{os.getpid()}").touch()
    time.sleep(float(os.environ.get("FAULT_SLEEP", "1.0")))
    return n


@tasks.task
def crash(n: int) -> int:
    os._exit(3)
