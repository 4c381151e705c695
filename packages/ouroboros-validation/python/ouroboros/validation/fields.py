"""Fields (``pydantic.fields``): ``Field``, ``FieldInfo``, ``PrivateAttr``, ``computed_field``."""

from ouroboros.validation._decorators import ComputedFieldInfo, computed_field
from ouroboros.validation._fields import Field, FieldInfo, ModelPrivateAttr, PrivateAttr

__all__ = ["ComputedFieldInfo", "Field", "FieldInfo", "ModelPrivateAttr", "PrivateAttr", "computed_field"]
