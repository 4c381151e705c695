"""``Discriminator`` and ``Tag``: unions whose member is chosen by a field or a function."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any

__all__ = ["Discriminator", "Tag", "callable_union"]


@dataclasses.dataclass(frozen=True)
class Tag:
    """``Annotated[Cat, Tag("cat")]``: the tag a callable ``Discriminator`` returns for this member."""

    tag: str


@dataclasses.dataclass(frozen=True)
class Discriminator:
    """``Annotated[Union[...], Discriminator("pet_type")]`` or ``Discriminator(func)``."""

    discriminator: str | Callable[[Any], Any]
    custom_error_type: str | None = None
    custom_error_message: str | None = None
    custom_error_context: dict[str, Any] | None = None


def callable_union(union_tp: Any, disc: Discriminator, describe: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A function schema: ``disc.discriminator(value)`` picks the member tagged so."""
    from ouroboros.validation._describe import _LazyHandler, split_annotated, type_alias_value
    from ouroboros.validation._errors import PydanticCustomError, ValidationError

    def unaliased(tp: Any) -> Any:
        # `type X = ...` aliases stand for their value: of the union, and of each tagged member.
        while (value := type_alias_value(tp)) is not None:
            tp = value
        return tp

    func = disc.discriminator
    assert callable(func)
    args = [a for a in typing.get_args(split_annotated(unaliased(union_tp))[0]) if a is not type(None)]
    choices: dict[str, _LazyHandler] = {}
    for arg in args:
        _, meta = split_annotated(unaliased(arg))
        tags = [m for m in meta if isinstance(m, Tag)]
        if not tags:
            from ouroboros.validation.errors import PydanticUserError

            raise PydanticUserError(
                f"`Tag` not provided for choice {arg!r} used with `Discriminator`", code="callable-discriminator-no-tag"
            )
        choices[tags[-1].tag] = _LazyHandler(describe(arg))
    name = getattr(func, "__name__", repr(func))
    expected = ", ".join(repr(t) for t in choices)

    def validate(value: Any, _data: Any = None, _context: Any = None) -> Any:
        tag = func(value)
        if tag is None or tag not in choices:
            if disc.custom_error_type:
                raise PydanticCustomError(
                    disc.custom_error_type,
                    disc.custom_error_message or disc.custom_error_type,
                    disc.custom_error_context,
                )
            if tag is None:
                raise PydanticCustomError(
                    "union_tag_not_found",
                    "Unable to extract tag using discriminator {discriminator}",
                    {"discriminator": f"{name}()"},
                )
            raise PydanticCustomError(
                "union_tag_invalid",
                "Input tag '{tag}' found using {discriminator} does not match any of the expected tags:"
                " {expected_tags}",
                {"discriminator": f"{name}()", "tag": str(tag), "expected_tags": expected},
            )
        try:
            return choices[tag](value)
        except ValidationError as exc:
            lines = [{**e, "loc": (tag, *e["loc"])} for e in exc.errors()]
            raise ValidationError.from_exception_data(exc.title, lines) from None

    return {"type": "function", "mode": "plain", "func": validate}


_KIND_NAMES = {"tagged_union": "tagged-union", "is_instance": "is-instance"}


class DiscriminatorPlan:
    """Builds the ``tagged_union`` schema of ``Union[...]`` discriminated by the field ``name``."""

    def __init__(self, name: str, describe: Callable[[Any], dict[str, Any]], resolve: Callable[[Any], Any]) -> None:
        self.name = name
        self.describe = describe
        self.resolve = resolve
        self.alias: str | None = None
        self.nullable = False
        self.choices: dict[Any, dict[str, Any]] = {}
        self._owners: dict[Any, Any] = {}

    def build(self, tp: Any) -> dict[str, Any]:
        for member in self._members(tp):
            self._add(member)
        schema: dict[str, Any] = {"type": "tagged_union", "discriminator": self.name, "choices": self.choices}
        if self.alias is not None and self.alias != self.name:
            schema["discriminator_alias"] = self.alias
        return {"type": "nullable", "schema": schema} if self.nullable else schema

    def _members(self, tp: Any) -> list[Any]:
        """The union's members, nested unions (and those discriminated the same way) flattened."""
        from ouroboros.validation._describe import split_annotated

        tp = _unalias(tp)
        base, meta = split_annotated(tp)
        base = _unalias(base)
        if _is_union(base) and not _other_discriminator(meta, self.name):
            out: list[Any] = []
            for arg in typing.get_args(base):
                out.extend(self._members(arg))
            return out
        return [tp]

    def _add(self, member: Any) -> None:
        from ouroboros.validation._describe import split_annotated

        base, _ = split_annotated(member)
        if base is None or base is type(None):
            self.nullable = True
            return
        schema = self.describe(member)
        values = self._values_of(member, schema)
        for value in values:
            if value in self.choices and self._owners[value] is not member:
                raise TypeError(f"Value {value!r} for discriminator {self.name!r} mapped to multiple choices")
            self.choices[value] = schema
            self._owners[value] = member

    def _values_of(self, member: Any, schema: dict[str, Any]) -> list[Any]:
        """The tags of one member (a model, dataclass, TypedDict or a union of them)."""
        from ouroboros.validation._describe import is_model_class, is_pydantic_dataclass, split_annotated

        base, _ = split_annotated(member)
        base = _unalias(base)
        origin = typing.get_origin(base) or base
        if _is_union(base):
            values: list[Any] = []
            for arg in typing.get_args(base):
                arg_base, _ = split_annotated(arg)
                if arg_base is type(None):
                    self.nullable = True
                    continue
                values.extend(self._values_of(arg, self.describe(arg)))
            return values
        if is_model_class(origin):
            cls = base if is_model_class(base) else origin
            field = cls.model_fields.get(self.name)
            if field is None and getattr(cls, "__pydantic_root_model__", False) and "root" in cls.model_fields:
                # A RootModel choice: the tag is read from its value's type (as Pydantic's).
                root = cls.model_fields["root"].annotation
                return self._values_of(root, self.describe(root))
            source = f"Model {cls.__name__!r}"
            if field is None:
                raise _user_error(
                    f"{source} needs a discriminator field for key {self.name!r}", "discriminator-no-field"
                )
            annotation = field.rebuild_annotation() if hasattr(field, "rebuild_annotation") else field.annotation
            return self._field_values(annotation, field.validation_alias or field.alias, source)
        if is_pydantic_dataclass(origin) or _is_typed_dict(origin):
            kind = "TypedDict" if _is_typed_dict(origin) else "Dataclass"
            source = f"{kind} {origin.__name__!r}"
            hints = _class_hints(origin, self.name)
            if self.name not in hints:
                raise _user_error(
                    f"{source} needs a discriminator field for key {self.name!r}", "discriminator-no-field"
                )
            alias = None
            if kind == "Dataclass":
                default = getattr(origin, "__dataclass_fields__", {}).get(self.name)
                info = getattr(default, "default", None)
                alias = getattr(info, "validation_alias", None) or getattr(info, "alias", None)
            return self._field_values(hints[self.name], alias, source)
        kind = schema.get("type", "any")
        if kind == "function":
            kind = f"function-{schema.get('mode', 'plain')}"
        kind = _KIND_NAMES.get(kind, kind)
        message = f"The core schema type {kind!r} is not a valid discriminated union variant."
        if kind == "list":
            message += (
                " If you are making use of a list of union types, make sure the discriminator is applied to the "
                "union type and not the list (e.g. `list[Annotated[<T> | <U>, Field(discriminator=...)]]`)."
            )
        raise TypeError(message)

    def _field_values(self, annotation: Any, alias: Any, source: str) -> list[Any]:
        if alias is None:
            alias = self.name
        if not isinstance(alias, str):
            raise _user_error(f"Alias {alias!r} is not supported in a discriminated union", "discriminator-alias-type")
        if self.alias is None:
            self.alias = alias
        elif self.alias != alias:
            raise _user_error(
                f"Aliases for discriminator {self.name!r} must be the same (got {alias}, {self.alias})",
                "discriminator-alias",
            )
        return self._literal_values(annotation, source)

    def _literal_values(self, annotation: Any, source: str) -> list[Any]:
        from ouroboros.validation._describe import is_model_class, split_annotated
        from ouroboros.validation._types import BeforeValidator, PlainValidator, WrapValidator

        if isinstance(annotation, (str, typing.ForwardRef)):
            annotation = self.resolve(annotation)
        base, meta = split_annotated(_unalias(annotation))
        for marker in meta:
            if isinstance(marker, (BeforeValidator, WrapValidator, PlainValidator)):
                mode = type(marker).__name__.removesuffix("Validator").lower()
                raise _user_error(
                    f"Cannot use a mode={mode!r} validator in the discriminator field {self.name!r} of {source}",
                    "discriminator-validator",
                )
        base = _unalias(base)
        if base is None or base is type(None):
            return [None]
        if typing.get_origin(base) is typing.Literal:
            values: list[Any] = []
            for arg in typing.get_args(base):
                values.extend(self._literal_values(arg, source) if typing.get_origin(arg) else [arg])
            return values
        if _is_union(base):
            values = []
            for arg in typing.get_args(base):
                values.extend(self._literal_values(arg, source))
            return values
        if (
            is_model_class(base)
            and "root" in getattr(base, "model_fields", {})
            and getattr(base, "__pydantic_root_model__", False)
        ):
            return self._literal_values(base.model_fields["root"].annotation, source)
        raise _user_error(f"{source} needs field {self.name!r} to be of type `Literal`", "discriminator-needs-literal")


def _user_error(message: str, code: str) -> Exception:
    from ouroboros.validation.errors import PydanticUserError

    return PydanticUserError(message, code=code)


def _no_field(source: str, name: str) -> Exception:
    return _user_error(f"{source} needs a discriminator field for key {name!r}", "discriminator-no-field")


def _is_union(tp: Any) -> bool:
    import types

    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _is_typed_dict(tp: Any) -> bool:
    from typing_extensions import is_typeddict

    return isinstance(tp, type) and is_typeddict(tp)


def _unalias(tp: Any) -> Any:
    """The value of a ``type X = ...`` alias (``TypeAliasType``), parametrized if it is generic."""
    from ouroboros.validation._describe import type_alias_value

    value = type_alias_value(tp)
    return tp if value is None else _unalias(value)


def _other_discriminator(meta: list[Any], name: str) -> bool:
    """Whether an inner union carries its own, different discriminator (it stays one member)."""
    from ouroboros.validation._fields import FieldInfo

    for item in meta:
        found = item.discriminator if isinstance(item, (FieldInfo, Discriminator)) else None
        if isinstance(found, Discriminator):
            found = found.discriminator
        if found is not None and found != name:
            return True
    return False


def _class_hints(cls: type, name: str) -> dict[str, Any]:
    """The annotations of a TypedDict or dataclass, evaluated with the names of the models and
    adapters being built; when another field names something not defined yet (a recursive
    union), only the discriminator field ``name`` is evaluated."""
    import sys

    from ouroboros.validation._model_build import PARENT_NAMESPACES

    localns: dict[str, Any] = {}
    for namespace in PARENT_NAMESPACES:
        localns.update(namespace)
    try:
        return typing.get_type_hints(cls, localns=localns or None, include_extras=True)
    except NameError:
        pass
    for base in cls.__mro__:
        raw = getattr(base, "__annotations__", {}).get(name)
        if raw is None:
            continue
        if isinstance(raw, str):
            globalns = getattr(sys.modules.get(base.__module__), "__dict__", {})
            ref = typing.ForwardRef(raw, is_argument=False, is_class=True)
            raw = typing._eval_type(ref, globalns, localns)  # type: ignore[attr-defined]
        return {name: raw}
    return {}
