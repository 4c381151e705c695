import pickle

import pytest

from ouroboros import core
from ouroboros.core import (
    InternalError,
    InvalidArgumentError,
    OuroborosError,
    OuroborosIOError,
    OuroborosTimeoutError,
    RuntimeUnavailableError,
)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (InvalidArgumentError, ValueError),
        (OuroborosTimeoutError, TimeoutError),
        (OuroborosIOError, OSError),
        (RuntimeUnavailableError, RuntimeError),
        (InternalError, RuntimeError),
    ],
)
def test_each_error_is_an_ouroboros_error_and_its_builtin(cls, builtin):
    err = cls("what went wrong")
    assert isinstance(err, OuroborosError)
    assert isinstance(err, builtin)
    assert str(err) == "what went wrong"
    with pytest.raises(builtin, match="what went wrong"):
        raise err


def test_errors_pickle_round_trip():
    err = pickle.loads(pickle.dumps(InvalidArgumentError("bad `x`")))
    assert type(err) is InvalidArgumentError
    assert err.args == ("bad `x`",)


def test_namespace_has_no_init():
    # PEP 420: `ouroboros` must stay a namespace package shared by all wheels.
    import ouroboros

    assert getattr(ouroboros, "__file__", None) is None
    assert core.__version__ == "0.1.0"
