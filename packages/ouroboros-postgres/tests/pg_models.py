"""Table models shared by the model tests (tables are dropped and created per test)."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Annotated

from ouroboros.postgres import ForeignKey, Index, Table
from ouroboros.validation import BaseModel, Field


class Role(enum.Enum):
    ADMIN = "admin"
    MEMBER = "member"


class Address(BaseModel):
    city: str
    zip: str = ""


class Author(Table):
    id: int | None = None
    email: Annotated[str, Field(max_length=120)]
    name: str
    age: Annotated[int, Field(ge=0)] = 0
    role: Role = Role.MEMBER
    tags: list[str] = []
    address: Address | None = None
    joined: datetime.datetime | None = None

    class Settings:
        table_name = "m_authors"
        indexes = ["age", Index("name", "age")]
        unique = [("email",)]


class Book(Table):
    id: int | None = None
    author_id: int
    title: str
    price: Annotated[decimal.Decimal, Field(max_digits=10, decimal_places=2)] = decimal.Decimal("0.00")
    pages: int | None = None

    class Settings:
        table_name = "m_books"
        foreign_keys = {"author_id": ForeignKey(Author, on_delete="cascade")}
        indexes = ["author_id"]


class Tag(Table):
    """A natural (non-identity) primary key."""

    code: str
    label: str
    uid: uuid.UUID
    weight: float = 1.0

    class Settings:
        table_name = "m_tags"
        primary_key = "code"


MODELS: list[type[Table]] = [Author, Book, Tag]
