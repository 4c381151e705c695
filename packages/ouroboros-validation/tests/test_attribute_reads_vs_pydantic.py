"""Reading attributes of model instances, as Pydantic reads them: fields, private attributes
(defaults filled on first read), extras of ``extra="allow"``, the deprecated ``__fields__``, a
property that raises ``AttributeError``, and the message for a missing name. The same code runs
under both libraries; errors are compared by type and text.

Only classes that need it (private attributes, extras, their own ``__getattr__``) have a
``__getattr__``: the others' field reads take CPython's specialised ``LOAD_ATTR``."""

from __future__ import annotations

import dis
import pickle
import sys
from typing import Any, Generic, TypeVar

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = pytest.mark.parametrize("lib", [pydantic, ov], ids=["pydantic", "ouroboros"])
T = TypeVar("T")


def _outcome(fn: Any) -> tuple[str, Any]:
    """``("ok", value)`` or ``(exception type name, args)``."""
    try:
        return "ok", fn()
    except Exception as exc:  # noqa: BLE001 - the outcome is compared, whatever it is
        return type(exc).__name__, exc.args


def _same(make: Any, read: Any) -> Any:
    """``read(make(lib))`` under both libraries: the same outcome; returns ours."""
    theirs = _outcome(lambda: read(make(pydantic)))
    ours = _outcome(lambda: read(make(ov)))
    assert ours == theirs
    return ours


def _has_instance_getattr(cls: type) -> bool:
    return any("__getattr__" in vars(klass) for klass in cls.__mro__)


def test_plain_fields_missing_names_and_properties() -> None:
    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            a: int
            b: str = "x"

            @property
            def broken(self) -> int:
                raise AttributeError("broken's own error")

            @property
            def doubled(self) -> int:
                return self.a * 2

        return Model(a=2)

    assert _same(make, lambda m: (m.a, m.b, m.doubled)) == ("ok", (2, "x", 4))
    assert _same(make, lambda m: m.missing) == ("AttributeError", ("'Model' object has no attribute 'missing'",))
    assert _same(make, lambda m: m.broken) == ("AttributeError", ("broken's own error",))
    assert _same(make, lambda m: m._underscored) == (
        "AttributeError",
        ("'Model' object has no attribute '_underscored'",),
    )
    assert not _has_instance_getattr(type(make(ov)))


def test_computed_field_raising_attribute_error_keeps_its_own_error() -> None:
    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            _hidden: int = 1
            a: int = 1

            @lib.computed_field  # type: ignore[prop-decorator]
            @property
            def total(self) -> int:
                return self.nope  # type: ignore[attr-defined]

        return Model()

    assert _same(make, lambda m: m.total) == ("AttributeError", ("'Model' object has no attribute 'nope'",))


def test_private_attributes_defaults_filled_on_first_read() -> None:
    calls: list[int] = []

    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            a: int = 1
            _plain: int = 5
            _made: list[int] = lib.PrivateAttr(default_factory=lambda: calls.append(1) or [1])
            _unset: int = lib.PrivateAttr()

        return Model()

    assert _same(make, lambda m: (m._plain, m._made, m._made is m._made)) == ("ok", (5, [1], True))
    assert calls == [1, 1]  # once per library, on the first read
    assert _same(make, lambda m: m._unset) == ("AttributeError", ("'Model' object has no attribute '_unset'",))

    def deleted(m: Any) -> Any:
        del m._plain
        return m._plain

    assert _same(make, deleted) == ("AttributeError", ("'Model' object has no attribute '_plain'",))

    def set_then_read(m: Any) -> Any:
        m._unset = 3
        return m._unset, m.__pydantic_private__["_unset"]

    assert _same(make, set_then_read) == ("ok", (3, 3))
    assert _same(make, lambda m: m.other) == ("AttributeError", ("'Model' object has no attribute 'other'",))


def test_extras_read_as_attributes() -> None:
    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            model_config = lib.ConfigDict(extra="allow")
            a: int = 1

        class Child(Model):
            b: int = 2

        return Child(a=3, z=4)

    assert _same(make, lambda m: (m.a, m.b, m.z, m.model_extra)) == ("ok", (3, 2, 4, {"z": 4}))
    assert _same(make, lambda m: m.y) == ("AttributeError", ("'Child' object has no attribute 'y'",))

    def broken_extra(m: Any) -> Any:
        object.__setattr__(m, "__pydantic_extra__", None)
        return m.z

    assert _same(make, broken_extra) == ("AttributeError", ("'Child' object has no attribute 'z'",))


def test_extras_assigned_to_a_class_without_extra_allow() -> None:
    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            a: int = 1

        m = Model()
        m.__pydantic_extra__ = {"late": 7}
        return m

    assert _same(make, lambda m: (m.late, m.a)) == ("ok", (7, 1))


def test_extra_allowed_after_the_class_is_made() -> None:
    def make(lib: Any) -> Any:
        class Model(lib.BaseModel):
            a: int = 1

        Model.model_config["extra"] = "allow"
        Model.model_rebuild(force=True)
        return Model(q=2)

    assert _same(make, lambda m: (m.q, m.model_extra)) == ("ok", (2, {"q": 2}))


def test_extras_survive_pickling() -> None:
    global Pickled  # pickle finds classes by their module's name

    class Pickled(ov.BaseModel):
        model_config = ov.ConfigDict(extra="allow")
        a: int = 1

    m = pickle.loads(pickle.dumps(Pickled(z=3)))
    assert (m.a, m.z) == (1, 3)


@LIBS
def test_deprecated_fields_attribute(lib: Any) -> None:
    class Model(lib.BaseModel):
        x: int = 1

    m = Model()
    with pytest.warns(lib.PydanticDeprecatedSince20, match="The `__fields__` attribute is deprecated") as record:
        assert list(m.__fields__) == ["x"]
    assert record[0].filename == __file__
    with pytest.warns(lib.PydanticDeprecatedSince20, match="The `__fields__` attribute is deprecated"):
        assert list(Model.__fields__) == ["x"]
    # Listed among an instance's names, not the class's.
    assert ("__fields__" in dir(m), "__fields__" in dir(Model)) == (True, False)
    if lib is ov:
        assert not _has_instance_getattr(Model)


def test_own_getattr_calling_super() -> None:
    """Pydantic's test_super_getattr_extra / _private, and a class with neither."""

    def make_extra(lib: Any) -> Any:
        class Model(lib.BaseModel):
            model_config = {"extra": "allow"}

            def __getattr__(self, item: str) -> Any:
                if item == "test":
                    return "success"
                return super().__getattr__(item)

        return Model(x=1)

    assert _same(make_extra, lambda m: (m.x, m.test)) == ("ok", (1, "success"))
    assert _same(make_extra, lambda m: m.y) == ("AttributeError", ("'Model' object has no attribute 'y'",))

    def make_private(lib: Any) -> Any:
        class Model(lib.BaseModel):
            _x: int = lib.PrivateAttr()

            def __getattr__(self, item: str) -> Any:
                if item == "test":
                    return "success"
                return super().__getattr__(item)

        m = Model()
        m._x = 1
        return m

    assert _same(make_private, lambda m: (m._x, m.test)) == ("ok", (1, "success"))
    assert _same(make_private, lambda m: m._y) == ("AttributeError", ("'Model' object has no attribute '_y'",))

    def make_plain(lib: Any) -> Any:
        class Model(lib.BaseModel):
            a: int = 1

            def __getattr__(self, item: str) -> Any:
                return super().__getattr__(item)

        class Child(Model):
            pass

        return Child()

    assert _same(make_plain, lambda m: m.a) == ("ok", 1)
    assert _same(make_plain, lambda m: m.nope) == ("AttributeError", ("'Child' object has no attribute 'nope'",))


def test_subclasses_and_generics() -> None:
    class Plain(ov.BaseModel, Generic[T]):
        value: T

    class WithPrivate(ov.BaseModel, Generic[T]):
        value: T
        _note: str = "n"

    class Loose(ov.BaseModel, Generic[T]):
        model_config = ov.ConfigDict(extra="allow")
        value: T

    class PlainChild(WithPrivate[int]):
        pass

    assert not _has_instance_getattr(Plain) and not _has_instance_getattr(Plain[int])
    assert Plain[int](value=1).value == 1
    assert _has_instance_getattr(WithPrivate[int]) and _has_instance_getattr(PlainChild)
    assert (WithPrivate[int](value=1)._note, PlainChild(value=2)._note) == ("n", "n")
    assert Loose[str](value="v", more=1).more == 1
    with pytest.raises(AttributeError, match=r"^'Plain\[int\]' object has no attribute 'other'$"):
        _ = Plain[int](value=1).other  # type: ignore[attr-defined]

    # A subclass adding private attributes to a plain parent gets its own; the parent stays plain.
    class Parent(ov.BaseModel):
        a: int = 1

    class Child(Parent):
        _b: int = 2

    assert (_has_instance_getattr(Parent), Child()._b) == (False, 2)


def _specialised_reads(cls: type) -> set[str]:
    """The ``LOAD_ATTR`` forms CPython settled on for ``m.a`` after many reads."""

    def read(m: Any) -> Any:
        return m.a

    m = cls(a=1)
    for _ in range(200):
        read(m)
    return {i.opname for i in dis.get_instructions(read, adaptive=True) if i.opname.startswith("LOAD_ATTR")}


@pytest.mark.skipif(sys.version_info[:2] not in ((3, 11), (3, 12)), reason="LOAD_ATTR forms of CPython 3.11/3.12")
def test_field_reads_take_the_specialised_path() -> None:
    class Plain(ov.BaseModel):
        a: int

    class Private(ov.BaseModel):
        a: int
        _p: int = 0

    assert _specialised_reads(Plain) & {"LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR_WITH_HINT"}
    # A class with `__getattr__` is not specialised (why only classes that need one get one).
    assert not _specialised_reads(Private) & {"LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR_WITH_HINT"}


@LIBS
def test_extra_allow_at_run_time_reads_nested_extras(lib: Any) -> None:
    """Asked at run time, ``extra="allow"`` keeps extras of nested models too, read as
    attributes: the classes whose instances get extras are given a ``__getattr__``, others not."""

    class In(lib.BaseModel):
        a: int = 1

    class Out(lib.BaseModel):
        i: In

    class Untouched(lib.BaseModel):
        a: int = 1

    o = Out.model_validate({"i": {"a": 2, "z": 3}, "y": 4}, extra="allow")
    j = Out.model_validate_json('{"i": {"w": 5}, "v": 6}', extra="allow")
    t = lib.TypeAdapter(In).validate_python({"q": 7}, extra="allow")
    assert (o.y, o.i.z, j.v, j.i.w, t.q, o.i.model_extra) == (4, 3, 6, 5, 7, {"z": 3})
    with pytest.raises(AttributeError, match=r"^'In' object has no attribute 'nope'$"):
        _ = o.i.nope
    assert Untouched.model_validate({"a": 1}, extra="allow").a == 1
    if lib is ov:
        assert not _has_instance_getattr(Untouched)
