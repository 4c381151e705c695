"""What every ouroboros package shares on the Python side.

The exception classes live here, defined once: each Rust extension imports
them rather than creating its own, so ``except OuroborosError`` catches errors
from every installed module, whichever wheel raised them.
"""

from ouroboros.core._errors import (
    InternalError,
    InvalidArgumentError,
    OuroborosError,
    OuroborosIOError,
    OuroborosTimeoutError,
    RuntimeUnavailableError,
)

__version__ = "0.1.0"

#: Version of the model-schema description that ouroboros.validation hands to
#: the other wheels (see docs/architecture.md). A consumer that does not know
#: a description's version refuses it with a clear error instead of guessing.
SCHEMA_FORMAT_VERSION = 1

__all__ = [
    "SCHEMA_FORMAT_VERSION",
    "InternalError",
    "InvalidArgumentError",
    "OuroborosError",
    "OuroborosIOError",
    "OuroborosTimeoutError",
    "RuntimeUnavailableError",
    "__version__",
]
