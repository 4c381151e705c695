"""``AggregationBuilder``: a pipeline built stage by stage, run in one call."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Mapping
from typing import Any

from ouroboros.core import InvalidArgumentError
from ouroboros.mongodb._query import DEFAULT_BATCH_SIZE, _count, build_filter, sort_spec

__all__ = ["AggregationBuilder"]


class AggregationBuilder:
    """Chain ``match``/``group``/``sort``/... then ``to_list()`` or ``async for``.

    Results are dicts, or instances of ``projection_model`` when given.
    """

    def __init__(self, model: Any, projection_model: Any = None, session: Any = None) -> None:
        from ouroboros.mongodb._session import native_session

        self.model = model
        self.projection_model = projection_model
        self.pipeline: list[dict[str, Any]] = []
        self._session = native_session(session)

    def stage(self, stage: Mapping[str, Any]) -> AggregationBuilder:
        """Append a raw stage such as ``{"$facet": {...}}``."""
        if not isinstance(stage, Mapping) or len(stage) != 1 or not str(next(iter(stage))).startswith("$"):
            raise InvalidArgumentError(f"a stage is a document with one $operator, got {stage!r}")
        self.pipeline.append(dict(stage))
        return self

    add_stage = stage

    def match(self, *filters: Any) -> AggregationBuilder:
        return self.stage({"$match": build_filter(filters)})

    def group(self, spec: Mapping[str, Any]) -> AggregationBuilder:
        if "_id" not in spec:
            raise InvalidArgumentError("a $group stage needs an _id (use None to group everything)")
        return self.stage({"$group": dict(spec)})

    def sort(self, *keys: Any) -> AggregationBuilder:
        return self.stage({"$sort": sort_spec(*keys)})

    def limit(self, n: int) -> AggregationBuilder:
        return self.stage({"$limit": _count(n, "limit")})

    def skip(self, n: int) -> AggregationBuilder:
        return self.stage({"$skip": _count(n, "skip")})

    def project(self, spec: Mapping[str, Any]) -> AggregationBuilder:
        return self.stage({"$project": {str(k): v for k, v in spec.items()}})

    def unwind(self, path: Any, *, preserve_null_and_empty_arrays: bool = False) -> AggregationBuilder:
        field = str(path)
        field = field if field.startswith("$") else f"${field}"
        if preserve_null_and_empty_arrays:
            return self.stage({"$unwind": {"path": field, "preserveNullAndEmptyArrays": True}})
        return self.stage({"$unwind": field})

    def lookup(
        self,
        from_: Any,
        local_field: Any = None,
        foreign_field: Any = None,
        as_: str = "",
        *,
        pipeline: list[Any] | None = None,
        let: Mapping[str, Any] | None = None,
    ) -> AggregationBuilder:
        """``$lookup`` from a collection name or a Document class."""
        name = from_.get_collection_name() if hasattr(from_, "get_collection_name") else str(from_)
        if not as_:
            raise InvalidArgumentError("lookup needs as_ (the output field)")
        spec: dict[str, Any] = {"from": name, "as": as_}
        if local_field is not None:
            spec["localField"] = str(local_field)
            spec["foreignField"] = str(foreign_field)
        if pipeline is not None:
            spec["pipeline"] = list(pipeline)
        if let is not None:
            spec["let"] = dict(let)
        return self.stage({"$lookup": spec})

    def count(self, field: str = "count") -> AggregationBuilder:
        return self.stage({"$count": field})

    def _codec(self) -> Any:
        if self.projection_model is None:
            return None
        from ouroboros.mongodb._document import codec_of

        return codec_of(self.projection_model)

    async def to_list(self, length: int | None = None) -> list[Any]:
        pipeline = self.pipeline
        if length is not None:
            pipeline = [*pipeline, {"$limit": _count(length, "length")}]
        return await self.model.get_collection().aggregate_to_list(pipeline, codec=self._codec(), session=self._session)

    def __await__(self) -> Generator[Any, None, list[Any]]:
        return self.to_list().__await__()

    async def __aiter__(self) -> AsyncIterator[Any]:
        cursor = self.model.get_collection().aggregate(
            self.pipeline, codec=self._codec(), batch_size=DEFAULT_BATCH_SIZE, session=self._session
        )
        try:
            while batch := await cursor.next_batch(DEFAULT_BATCH_SIZE):
                for item in batch:
                    yield item
        finally:
            cursor.close()

    def __repr__(self) -> str:
        return f"AggregationBuilder({self.model.__name__}, {self.pipeline!r})"
