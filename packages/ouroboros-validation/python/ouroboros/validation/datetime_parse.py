"""``pydantic.datetime_parse``: a Pydantic v1 module kept so v1 imports of it are explained.

Its names moved or were removed in v2; see ``_migration`` for where each went.
"""

from ouroboros.validation._migration import getattr_migration

__getattr__ = getattr_migration(__name__)
