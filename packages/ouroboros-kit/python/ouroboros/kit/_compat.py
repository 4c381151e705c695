"""Checking installed ouroboros modules against the compatibility table."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import metadata, resources

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version


class IncompatibleModuleWarning(UserWarning):
    """An installed ouroboros module is outside the range this kit supports."""


@dataclass(frozen=True)
class ModuleStatus:
    """One ouroboros distribution as found in the environment."""

    distribution: str
    supported: str
    installed: str | None

    @property
    def compatible(self) -> bool:
        """Installed and inside the supported range (missing counts as fine)."""
        if self.installed is None:
            return True
        try:
            return Version(self.installed) in SpecifierSet(self.supported)
        except InvalidVersion:
            return False

    @property
    def fix(self) -> str:
        """The command that puts this module back in range."""
        return f"pip install '{self.distribution}{self.supported}'"


def compatibility_table() -> dict[str, str]:
    """Distribution name -> supported version range, for core and every module."""
    raw = resources.files("ouroboros.kit").joinpath("compat.toml").read_text(encoding="utf-8")
    table = tomllib.loads(raw)
    supported = {k: v for k, v in table["core"].items() if k.startswith("ouroboros-")}
    supported.update(table["modules"])
    return supported


def module_statuses() -> list[ModuleStatus]:
    """Status of every distribution named in the table, installed or not."""
    statuses = []
    for name, spec in compatibility_table().items():
        try:
            installed: str | None = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        statuses.append(ModuleStatus(name, spec, installed))
    return statuses


def incompatible_modules() -> list[ModuleStatus]:
    """Installed modules whose version this kit does not support."""
    return [s for s in module_statuses() if not s.compatible]


def describe_incompatible(statuses: list[ModuleStatus]) -> str:
    """A message naming each incompatible module and the command that fixes it."""
    lines = ["ouroboros-kit found installed modules outside the versions it supports:"]
    for s in statuses:
        lines.append(f"  {s.distribution} {s.installed} (supported: {s.supported}); fix: {s.fix}")
    lines.append("Or upgrade ouroboros-kit itself to a release that supports these versions.")
    return "\n".join(lines)
