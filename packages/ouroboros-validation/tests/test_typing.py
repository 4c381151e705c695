"""Editors and mypy understand models (dataclass_transform on the metaclass)."""

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("mypy")


def test_mypy_checks_constructor_arguments(tmp_path):
    src = tmp_path / "models.py"
    src.write_text(
        textwrap.dedent(
            """
            from ouroboros.validation import BaseModel, Field

            class User(BaseModel):
                name: str
                age: int = Field(default=0, ge=0)

            u = User(name="a", age=3)
            reveal_type(u.name)
            User(name=1)
            User(name="b", nope=1)
            """
        )
    )
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(src)],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    ).stdout
    assert 'Revealed type is "builtins.str"' in out or 'Revealed type is "str"' in out
    assert 'Argument "name" to "User" has incompatible type "int"; expected "str"' in out
    assert 'Unexpected keyword argument "nope" for "User"' in out
    assert "Found 2 errors" in out
