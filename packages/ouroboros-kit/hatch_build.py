"""Derive ouroboros-kit's dependencies and extras from the compatibility table.

Each extra (``[api]``, ``[http]``, ...) is the module's compatible range from
``compat.toml``; ``[all]`` is every module. Nothing here is kept by hand.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

TABLE = Path("python") / "ouroboros" / "kit" / "compat.toml"


class CompatibilityTableHook(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        table = tomllib.loads((Path(self.root) / TABLE).read_text(encoding="utf-8"))
        core = table["core"]
        modules = table["modules"]
        metadata["dependencies"] = [f"{name}{spec}" for name, spec in core.items()]
        extras = {name.removeprefix("ouroboros-"): [f"{name}{spec}"] for name, spec in modules.items()}
        extras["all"] = sorted(req for reqs in extras.values() for req in reqs)
        metadata["optional-dependencies"] = extras
