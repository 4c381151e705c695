"""Special and constrained types (``pydantic.types``)."""

from ouroboros.validation._discriminator import Discriminator, Tag
from ouroboros.validation._encoded import (  # noqa: F401 - Base64UrlEncoder importable here, as in Pydantic
    Base64Encoder,
    Base64UrlEncoder,
    EncodedBytes,
    EncodedStr,
    EncoderProtocol,
)
from ouroboros.validation._migration import getattr_migration
from ouroboros.validation._more_types import *  # noqa: F403 - the module's public names are its __all__
from ouroboros.validation._more_types import __all__ as _more
from ouroboros.validation._payment import PaymentCardBrand, PaymentCardNumber  # noqa: F401 - importable here
from ouroboros.validation._types import (
    NegativeFloat,
    NegativeInt,
    NonNegativeFloat,
    NonNegativeInt,
    NonPositiveFloat,
    NonPositiveInt,
    PositiveFloat,
    PositiveInt,
    Strict,
    StrictBool,
    StrictBytes,
    StrictFloat,
    StrictInt,
    StrictStr,
    confloat,
    conint,
    conlist,
    constr,
)
from ouroboros.validation.functional_serializers import SerializeAsAny  # noqa: F401 - importable here

# Importable from here, but (as in Pydantic) public under other modules.
_ELSEWHERE = frozenset({"InstanceOf", "SkipValidation", "ValidateAs", "UuidVersion"})

__all__ = [
    *(name for name in _more if name not in _ELSEWHERE),
    "Base64Encoder",
    "Discriminator",
    "EncodedBytes",
    "EncodedStr",
    "EncoderProtocol",
    "NegativeFloat",
    "NegativeInt",
    "NonNegativeFloat",
    "NonNegativeInt",
    "NonPositiveFloat",
    "NonPositiveInt",
    "PaymentCardNumber",
    "PositiveFloat",
    "PositiveInt",
    "Strict",
    "StrictBool",
    "StrictBytes",
    "StrictFloat",
    "StrictInt",
    "StrictStr",
    "Tag",
    "confloat",
    "conint",
    "conlist",
    "constr",
]

__getattr__ = getattr_migration(__name__)
