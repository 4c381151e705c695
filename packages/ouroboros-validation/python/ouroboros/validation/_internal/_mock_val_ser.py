"""The stand-in a model holds instead of its validator until its annotations resolve."""

from ouroboros.validation._model import _Deferred

# Pydantic has one placeholder for the schema and one for the validator and
# serializer; ouroboros has one for the compiled validator, which does both.
MockValSer = _Deferred
MockCoreSchema = _Deferred

__all__ = ["MockCoreSchema", "MockValSer"]
