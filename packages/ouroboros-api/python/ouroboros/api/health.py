"""Health checks: ``app.include_health(HealthManager(), path="/health")``."""

from __future__ import annotations

import asyncio
import enum
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ouroboros.api.responses import JSONResponse

__all__ = ["HealthCheck", "HealthManager", "HealthStatus"]


class HealthStatus(enum.StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


@dataclass
class HealthCheck:
    """A named check: ``func()`` returns a `HealthStatus` (or raises)."""

    name: str
    func: Callable[[], Any]
    timeout: float = 5.0
    critical: bool = True


class HealthManager:
    """Runs every check concurrently; the worst status wins."""

    def __init__(self) -> None:
        self.checks: list[HealthCheck] = []

    def add(self, check: HealthCheck) -> None:
        self.checks.append(check)

    def check(
        self, name: str, *, timeout: float = 5.0, critical: bool = True
    ) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
        """Decorator form of `add`."""

        def decorator(func: Callable[[], Any]) -> Callable[[], Any]:
            self.add(HealthCheck(name, func, timeout, critical))
            return func

        return decorator

    async def _run(self, check: HealthCheck) -> tuple[str, HealthStatus, str | None]:
        try:
            result = check.func()
            if inspect.isawaitable(result):
                result = await asyncio.wait_for(result, check.timeout)
            status = HealthStatus(result) if result is not None else HealthStatus.HEALTHY
            return check.name, status, None
        except Exception as exc:  # noqa: BLE001 - a failing check is a result, not an error
            return check.name, HealthStatus.UNHEALTHY, f"{type(exc).__name__}: {exc}"

    async def report(self) -> dict[str, Any]:
        """``{"status": ..., "checks": {name: {"status": ..., "error"?: ...}}}``."""
        results = await asyncio.gather(*(self._run(c) for c in self.checks))
        overall = HealthStatus.HEALTHY
        checks: dict[str, Any] = {}
        for (name, status, error), check in zip(results, self.checks, strict=True):
            checks[name] = {"status": status.value} | ({"error": error} if error else {})
            if status is HealthStatus.UNHEALTHY and check.critical:
                overall = HealthStatus.UNHEALTHY
            elif status is not HealthStatus.HEALTHY and overall is HealthStatus.HEALTHY:
                overall = HealthStatus.DEGRADED
        return {"status": overall.value, "checks": checks}

    async def respond(self) -> JSONResponse:
        report = await self.report()
        return JSONResponse(report, status_code=503 if report["status"] == "unhealthy" else 200)
