"""Alias generators (``pydantic.alias_generators``): ``to_camel``, ``to_pascal``, ``to_snake``."""

from __future__ import annotations

import re

__all__ = ["to_camel", "to_pascal", "to_snake"]


def to_pascal(snake: str) -> str:
    """``"my_field_name"`` -> ``"MyFieldName"``."""
    camel = snake.title()
    return re.sub(r"([0-9A-Za-z])_(?=[0-9A-Z])", lambda m: m.group(1), camel)


def to_camel(snake: str) -> str:
    """``"my_field_name"`` -> ``"myFieldName"`` (camelCase input is kept)."""
    if re.match(r"^[a-z]+[A-Za-z0-9]*$", snake) and not re.search(r"\d[a-z]", snake):
        return snake
    camel = to_pascal(snake)
    return re.sub(r"(^_*[A-Z])", lambda m: m.group(1).lower(), camel)


def to_snake(camel: str) -> str:
    """``"MyFieldName"`` / ``"myFieldName"`` / ``"my-field"`` -> ``"my_field_name"``."""
    snake = re.sub(r"([A-Z]+)([A-Z][a-z])", lambda m: f"{m.group(1)}_{m.group(2)}", camel)
    snake = re.sub(r"([a-z])([A-Z])", lambda m: f"{m.group(1)}_{m.group(2)}", snake)
    snake = re.sub(r"([0-9])([A-Z])", lambda m: f"{m.group(1)}_{m.group(2)}", snake)
    snake = re.sub(r"([a-z])([0-9])", lambda m: f"{m.group(1)}_{m.group(2)}", snake)
    return snake.replace("-", "_").lower()
