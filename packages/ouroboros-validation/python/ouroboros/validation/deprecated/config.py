"""``BaseConfig`` and ``Extra`` (``pydantic.deprecated.config``)."""

from ouroboros.validation.config import BaseConfig, Extra

__all__ = ["BaseConfig", "Extra"]
