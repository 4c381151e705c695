"""Generic models: names, metadata, partial parametrization, argument checks."""

from typing import Generic, List, TypeVar

import pytest

from ouroboros.validation import BaseModel


def test_generic_model_names_metadata_and_argument_count():
    T = TypeVar("T")
    U = TypeVar("U")

    class Pair(BaseModel, Generic[T, U]):
        a: T
        b: U

    assert Pair.__pydantic_generic_metadata__ == {"origin": None, "args": (), "parameters": (T, U)}
    half = Pair[int, U]
    full = half[List[str]]
    assert full.__name__ == "Pair[int, List[str]]"
    assert full.__pydantic_generic_metadata__ == {"origin": Pair, "args": (int, List[str]), "parameters": ()}
    assert half.__pydantic_generic_metadata__["parameters"] == (U,)
    assert full(a="1", b=["x"]).a == 1
    assert Pair[T, U] is Pair
    with pytest.raises(TypeError, match="Too many arguments for"):
        Pair[int, str, bytes]
    with pytest.raises(TypeError, match="Too few arguments for"):
        Pair[int]
    with pytest.raises(TypeError, match=r"Type parameters should be placed on typing\.Generic, not BaseModel"):
        BaseModel[int]


def test_typing_self_is_the_model_and_refused_elsewhere():
    from typing import Optional

    from typing_extensions import Self

    from ouroboros.validation import ValidationError, validate_call
    from ouroboros.validation.errors import PydanticUserError

    class Node(BaseModel):
        value: int
        child: Optional[Self] = None

    node = Node(value=1, child={"value": "2"})
    assert isinstance(node.child, Node)
    assert node.child.value == 2
    with pytest.raises(ValidationError):
        Node(value=1, child={"value": "x"})
    with pytest.raises(PydanticUserError, match=r"`typing\.Self` is invalid in this context"):

        @validate_call
        def f(x: Self) -> None: ...
