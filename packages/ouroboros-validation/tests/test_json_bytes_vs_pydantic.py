"""``val_json_bytes``/``ser_json_bytes``: bytes read from and written to JSON as base64 or hex, the
same code under Pydantic and ouroboros.validation (values, round trips and error lists)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

import ouroboros.validation as ov

LIBS = [pydantic, ov]
# The same bytes (b"hi") as Python text input under each encoding.
HI = {"base64": "aGk=", "hex": "6869", "utf8": "hi"}
TEXTS = ['"aGVsbG8="', '"aGVsbG8"', '"a-_b"', '"a+/b"', '"@@@"', '"abc"', '""', '"6869"', '"zz"', "12"]


def _outcome(lib: Any, encoding: str, text: str) -> Any:
    class Model(lib.BaseModel):
        model_config = lib.ConfigDict(val_json_bytes=encoding, ser_json_bytes=encoding)
        b: bytes
        opt: bytes | None = None

    try:
        model = Model.model_validate_json(f'{{"b": {text}}}')
    except lib.ValidationError as exc:
        # The decoder's own wording after the colon differs (see docs/validation.md).
        return [
            {"type": e["type"], "loc": e["loc"], "msg": e["msg"].split(":")[0], "input": e["input"]}
            for e in exc.errors()
        ]
    # A dump read back gives the same bytes: the encoding goes both ways.
    again = Model.model_validate_json(model.model_dump_json())
    return model.b, again.b, model.model_dump_json(), Model.model_validate({"b": HI[encoding]}).b


@pytest.mark.parametrize("encoding", ["base64", "hex", "utf8"])
@pytest.mark.parametrize("text", TEXTS)
def test_json_bytes_same_as_pydantic(encoding: str, text: str) -> None:
    theirs, ours = (_outcome(lib, encoding, text) for lib in LIBS)
    assert ours == theirs


def test_type_adapter_config_and_error() -> None:
    for lib in LIBS:
        adapter = lib.TypeAdapter(list[bytes], config=lib.ConfigDict(val_json_bytes="base64"))
        assert adapter.validate_json('["aGk=", "aGVsbG8"]') == [b"hi", b"hello"]
        with pytest.raises(lib.ValidationError) as info:
            adapter.validate_json('["aGk=", "!"]')
        (error,) = info.value.errors()
        assert error["type"] == "bytes_invalid_encoding"
        assert error["loc"] == (1,)
        assert error["ctx"]["encoding"] == "base64"
        # Text input is decoded in Python mode too; bytes input is taken as it is.
        assert adapter.validate_python(["aGk=", b"aGk="]) == [b"hi", b"aGk="]
