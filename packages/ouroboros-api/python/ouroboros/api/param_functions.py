"""``fastapi.param_functions``: the parameter declarations (``Query()``,
``Body()``, ``Depends()``...), as importable from their FastAPI module."""

from ouroboros.api.params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security"]
