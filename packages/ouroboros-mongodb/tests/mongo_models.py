"""Document classes shared by the server tests."""

from __future__ import annotations

import datetime

from ouroboros.mongodb import Document
from ouroboros.validation import BaseModel


class Address(BaseModel):
    city: str
    zip: str = ""


class Product(Document):
    name: str
    price: float
    category: str = "misc"
    stock: int = 0
    tags: list[str] = []
    address: Address | None = None
    created_at: datetime.datetime | None = None

    class Settings:
        name = "products"


class ProductName(BaseModel):
    name: str
    price: float


async def seed_products(n: int = 10) -> list[Product]:
    products = [
        Product(
            name=f"p{i:02d}",
            price=float(i),
            category="even" if i % 2 == 0 else "odd",
            stock=i * 10,
            tags=["all", f"t{i % 3}"],
            address=Address(city="Paris" if i < 5 else "Lyon"),
        )
        for i in range(n)
    ]
    await Product.insert_many(products)
    return products
