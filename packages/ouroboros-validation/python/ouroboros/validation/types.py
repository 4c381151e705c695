"""Special and constrained types (``pydantic.types``)."""

from ouroboros.validation._discriminator import Discriminator, Tag
from ouroboros.validation._encoded import Base64Encoder, EncodedBytes, EncodedStr, EncoderProtocol
from ouroboros.validation._more_types import *  # noqa: F403 - the module's public names are its __all__
from ouroboros.validation._more_types import __all__ as _more
from ouroboros.validation._payment import PaymentCardBrand, PaymentCardNumber
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
from ouroboros.validation.functional_serializers import SerializeAsAny

__all__ = [
    *_more,
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
    "PaymentCardBrand",
    "PaymentCardNumber",
    "PositiveFloat",
    "PositiveInt",
    "SerializeAsAny",
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
