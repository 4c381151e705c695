"""Pydantic v1 APIs that Pydantic v2 keeps with a deprecation warning (``pydantic.deprecated``)."""
