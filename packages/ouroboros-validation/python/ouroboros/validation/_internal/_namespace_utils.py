"""Namespaces used to resolve annotations (``pydantic._internal._namespace_utils``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

__all__ = ["LazyLocalNamespace", "MappingNamespace"]

MappingNamespace = Mapping[str, Any]


class LazyLocalNamespace(Mapping[str, Any]):
    """Several namespaces seen as one; the first holding a name wins. Merged on first use."""

    def __init__(self, *namespaces: MappingNamespace) -> None:
        self._namespaces = namespaces

    @cached_property
    def data(self) -> dict[str, Any]:
        return {k: v for ns in reversed(self._namespaces) for k, v in ns.items()}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)
