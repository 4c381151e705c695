"""The exception hierarchy of ouroboros.

Every error a module raises derives from :class:`OuroborosError` and from the
builtin that fits it, so code written against the builtins keeps working:
``except ValueError`` still catches an invalid argument, ``except
TimeoutError`` a timeout.
"""


class OuroborosError(Exception):
    """Base class of every exception raised by an ouroboros module."""


class InvalidArgumentError(OuroborosError, ValueError):
    """A function received a value it cannot use; the message names it."""


class OuroborosTimeoutError(OuroborosError, TimeoutError):
    """An operation did not complete within its time bound."""


class OuroborosIOError(OuroborosError, OSError):
    """A file, socket or process operation failed."""


class RuntimeUnavailableError(OuroborosError, RuntimeError):
    """The native async runtime of a module could not start."""


class InternalError(OuroborosError, RuntimeError):
    """A bug inside ouroboros, such as a Rust panic.

    The process keeps running; the message says where the fault was. Please
    report it with the message and the module versions (``ob --version``).
    """
