"""``Color`` (``pydantic.color``): a CSS colour from a name, hex, rgb()/hsl() text or a tuple.

Deprecated in Pydantic 2 in favour of ``pydantic_extra_types``, kept for code
that still imports it: creating one warns with ``PydanticDeprecatedSince20``.
"""

from __future__ import annotations

import colorsys
import math
import re
import warnings
from typing import Any, ClassVar, NamedTuple

from ouroboros.validation._errors import PydanticCustomError
from ouroboros.validation.warnings import PydanticDeprecatedSince20, _validator_of_deprecated

__all__ = [
    "COLORS_BY_NAME",
    "COLORS_BY_VALUE",
    "RGBA",
    "Color",
    "ColorTuple",
    "ColorType",
    "HslColorTuple",
    "parse_str",
    "parse_tuple",
]

ColorTuple = tuple[int, int, int] | tuple[int, int, int, float]
ColorType = ColorTuple | str
HslColorTuple = tuple[float, float, float] | tuple[float, float, float, float]


class RGBA(NamedTuple):
    """Red, green and blue as fractions of 1, and the alpha (None when opaque)."""

    r: float
    g: float
    b: float
    alpha: float | None


# The CSS named colours (CSS Color Module Level 3), as 0xRRGGBB.
_NAMED = {
    "aliceblue": 0xF0F8FF,
    "antiquewhite": 0xFAEBD7,
    "aqua": 0x00FFFF,
    "aquamarine": 0x7FFFD4,
    "azure": 0xF0FFFF,
    "beige": 0xF5F5DC,
    "bisque": 0xFFE4C4,
    "black": 0x000000,
    "blanchedalmond": 0xFFEBCD,
    "blue": 0x0000FF,
    "blueviolet": 0x8A2BE2,
    "brown": 0xA52A2A,
    "burlywood": 0xDEB887,
    "cadetblue": 0x5F9EA0,
    "chartreuse": 0x7FFF00,
    "chocolate": 0xD2691E,
    "coral": 0xFF7F50,
    "cornflowerblue": 0x6495ED,
    "cornsilk": 0xFFF8DC,
    "crimson": 0xDC143C,
    "cyan": 0x00FFFF,
    "darkblue": 0x00008B,
    "darkcyan": 0x008B8B,
    "darkgoldenrod": 0xB8860B,
    "darkgray": 0xA9A9A9,
    "darkgreen": 0x006400,
    "darkgrey": 0xA9A9A9,
    "darkkhaki": 0xBDB76B,
    "darkmagenta": 0x8B008B,
    "darkolivegreen": 0x556B2F,
    "darkorange": 0xFF8C00,
    "darkorchid": 0x9932CC,
    "darkred": 0x8B0000,
    "darksalmon": 0xE9967A,
    "darkseagreen": 0x8FBC8F,
    "darkslateblue": 0x483D8B,
    "darkslategray": 0x2F4F4F,
    "darkslategrey": 0x2F4F4F,
    "darkturquoise": 0x00CED1,
    "darkviolet": 0x9400D3,
    "deeppink": 0xFF1493,
    "deepskyblue": 0x00BFFF,
    "dimgray": 0x696969,
    "dimgrey": 0x696969,
    "dodgerblue": 0x1E90FF,
    "firebrick": 0xB22222,
    "floralwhite": 0xFFFAF0,
    "forestgreen": 0x228B22,
    "fuchsia": 0xFF00FF,
    "gainsboro": 0xDCDCDC,
    "ghostwhite": 0xF8F8FF,
    "gold": 0xFFD700,
    "goldenrod": 0xDAA520,
    "gray": 0x808080,
    "green": 0x008000,
    "greenyellow": 0xADFF2F,
    "grey": 0x808080,
    "honeydew": 0xF0FFF0,
    "hotpink": 0xFF69B4,
    "indianred": 0xCD5C5C,
    "indigo": 0x4B0082,
    "ivory": 0xFFFFF0,
    "khaki": 0xF0E68C,
    "lavender": 0xE6E6FA,
    "lavenderblush": 0xFFF0F5,
    "lawngreen": 0x7CFC00,
    "lemonchiffon": 0xFFFACD,
    "lightblue": 0xADD8E6,
    "lightcoral": 0xF08080,
    "lightcyan": 0xE0FFFF,
    "lightgoldenrodyellow": 0xFAFAD2,
    "lightgray": 0xD3D3D3,
    "lightgreen": 0x90EE90,
    "lightgrey": 0xD3D3D3,
    "lightpink": 0xFFB6C1,
    "lightsalmon": 0xFFA07A,
    "lightseagreen": 0x20B2AA,
    "lightskyblue": 0x87CEFA,
    "lightslategray": 0x778899,
    "lightslategrey": 0x778899,
    "lightsteelblue": 0xB0C4DE,
    "lightyellow": 0xFFFFE0,
    "lime": 0x00FF00,
    "limegreen": 0x32CD32,
    "linen": 0xFAF0E6,
    "magenta": 0xFF00FF,
    "maroon": 0x800000,
    "mediumaquamarine": 0x66CDAA,
    "mediumblue": 0x0000CD,
    "mediumorchid": 0xBA55D3,
    "mediumpurple": 0x9370DB,
    "mediumseagreen": 0x3CB371,
    "mediumslateblue": 0x7B68EE,
    "mediumspringgreen": 0x00FA9A,
    "mediumturquoise": 0x48D1CC,
    "mediumvioletred": 0xC71585,
    "midnightblue": 0x191970,
    "mintcream": 0xF5FFFA,
    "mistyrose": 0xFFE4E1,
    "moccasin": 0xFFE4B5,
    "navajowhite": 0xFFDEAD,
    "navy": 0x000080,
    "oldlace": 0xFDF5E6,
    "olive": 0x808000,
    "olivedrab": 0x6B8E23,
    "orange": 0xFFA500,
    "orangered": 0xFF4500,
    "orchid": 0xDA70D6,
    "palegoldenrod": 0xEEE8AA,
    "palegreen": 0x98FB98,
    "paleturquoise": 0xAFEEEE,
    "palevioletred": 0xDB7093,
    "papayawhip": 0xFFEFD5,
    "peachpuff": 0xFFDAB9,
    "peru": 0xCD853F,
    "pink": 0xFFC0CB,
    "plum": 0xDDA0DD,
    "powderblue": 0xB0E0E6,
    "purple": 0x800080,
    "red": 0xFF0000,
    "rosybrown": 0xBC8F8F,
    "royalblue": 0x4169E1,
    "saddlebrown": 0x8B4513,
    "salmon": 0xFA8072,
    "sandybrown": 0xF4A460,
    "seagreen": 0x2E8B57,
    "seashell": 0xFFF5EE,
    "sienna": 0xA0522D,
    "silver": 0xC0C0C0,
    "skyblue": 0x87CEEB,
    "slateblue": 0x6A5ACD,
    "slategray": 0x708090,
    "slategrey": 0x708090,
    "snow": 0xFFFAFA,
    "springgreen": 0x00FF7F,
    "steelblue": 0x4682B4,
    "tan": 0xD2B48C,
    "teal": 0x008080,
    "thistle": 0xD8BFD8,
    "tomato": 0xFF6347,
    "turquoise": 0x40E0D0,
    "violet": 0xEE82EE,
    "wheat": 0xF5DEB3,
    "white": 0xFFFFFF,
    "whitesmoke": 0xF5F5F5,
    "yellow": 0xFFFF00,
    "yellowgreen": 0x9ACD32,
}
COLORS_BY_NAME: dict[str, tuple[int, int, int]] = {
    name: ((v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF) for name, v in _NAMED.items()
}
# Several names share a value (aqua/cyan, gray/grey): the later name is the one printed.
COLORS_BY_VALUE: dict[tuple[int, int, int], str] = {v: k for k, v in COLORS_BY_NAME.items()}

_HEX_SHORT = re.compile(r"(?:#|0x)?([0-9a-f])([0-9a-f])([0-9a-f])([0-9a-f])?", re.IGNORECASE)
_HEX_LONG = re.compile(r"(?:#|0x)?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?", re.IGNORECASE)
_NUM = r"(\d{1,3}(?:\.\d+)?)"
_ALPHA = r"(\d(?:\.\d+)?|\.\d+|\d{1,2}%)"
_HUE = r"(-?\d+(?:\.\d+)?|-?\.\d+)(deg|rad|turn)?"
_PCT = r"(\d{1,3}(?:\.\d+)?)%"
_RGB_COMMA = re.compile(rf"rgba?\(\s*{_NUM}\s*,\s*{_NUM}\s*,\s*{_NUM}\s*(?:,\s*{_ALPHA}\s*)?\)")
_RGB_SPACE = re.compile(rf"rgba?\(\s*{_NUM}\s+{_NUM}\s+{_NUM}\s*(?:/\s*{_ALPHA}\s*)?\)")
_HSL_COMMA = re.compile(rf"hsla?\(\s*{_HUE}\s*,\s*{_PCT}\s*,\s*{_PCT}\s*(?:,\s*{_ALPHA}\s*)?\)")
_HSL_SPACE = re.compile(rf"hsla?\(\s*{_HUE}\s+{_PCT}\s+{_PCT}\s*(?:/\s*{_ALPHA}\s*)?\)")
_HUE_UNITS = {None: 360.0, "deg": 360.0, "rad": 2 * math.pi, "turn": 1.0}


def _error(reason: str) -> PydanticCustomError:
    return PydanticCustomError("color_error", f"value is not a valid color: {reason}")


def _channel(value: Any) -> float:
    """One of r, g, b (0 to 255) as a fraction of 1."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _error("color values must be a valid number") from None
    if not 0 <= number <= 255:
        raise _error("color values must be in the range 0 to 255")
    return number / 255


def _alpha(value: Any) -> float | None:
    """The alpha (0 to 1; a ``"60%"`` string too); None means opaque."""
    if value is None:
        return None
    try:
        number = float(value[:-1]) / 100 if isinstance(value, str) and value.endswith("%") else float(value)
    except (TypeError, ValueError):
        raise _error("alpha values must be a valid float") from None
    if math.isclose(number, 1):
        return None
    if not 0 <= number <= 1:
        raise _error("alpha values must be in the range 0 to 1")
    return number


def parse_tuple(value: tuple[Any, ...]) -> RGBA:
    """``(r, g, b)`` or ``(r, g, b, alpha)``."""
    if len(value) == 3:
        return RGBA(_channel(value[0]), _channel(value[1]), _channel(value[2]), None)
    if len(value) == 4:
        return RGBA(_channel(value[0]), _channel(value[1]), _channel(value[2]), _alpha(value[3]))
    raise _error("tuples must have length 3 or 4")


def parse_str(value: str) -> RGBA:
    """A name, ``#rgb[a]``/``#rrggbb[aa]`` (after ``#``, ``0x`` or nothing), ``rgb()``/``rgba()`` or
    ``hsl()``/``hsla()`` text."""
    text = value.strip().lower()
    if text in COLORS_BY_NAME:
        r, g, b = COLORS_BY_NAME[text]
        return RGBA(r / 255, g / 255, b / 255, None)
    for pattern, width in ((_HEX_SHORT, 1), (_HEX_LONG, 2)):
        m = pattern.fullmatch(text)
        if m:
            parts = [int(p * (3 - width), 16) for p in m.groups() if p is not None]
            alpha = parts[3] / 255 if len(parts) == 4 else None
            return RGBA(parts[0] / 255, parts[1] / 255, parts[2] / 255, _alpha(alpha))
    for pattern in (_RGB_COMMA, _RGB_SPACE):
        m = pattern.fullmatch(text)
        if m:
            r, g, b, a = m.groups()
            return RGBA(_channel(r), _channel(g), _channel(b), _alpha(a))
    for pattern in (_HSL_COMMA, _HSL_SPACE):
        m = pattern.fullmatch(text)
        if m:
            return _from_hsl(*m.groups())
    raise _error("string not recognised as a valid color")


def _from_hsl(hue: str, unit: str | None, sat: str, light: str, alpha: str | None) -> RGBA:
    s, l_ = float(sat) / 100, float(light) / 100
    if not (0 <= s <= 1 and 0 <= l_ <= 1):
        raise _error("saturation and lightness must be in the range 0% to 100%")
    h = (float(hue) / _HUE_UNITS[unit]) % 1
    r, g, b = colorsys.hls_to_rgb(h, l_, s)
    return RGBA(r, g, b, _alpha(alpha))


def _to_255(fraction: float) -> int:
    return round(fraction * 255)


class Color:
    """A colour; ``str()`` is its CSS name when it has one, else its hex form."""

    __slots__ = ("_original", "_rgba")

    _message: ClassVar[str] = "The `Color` class is deprecated, use `pydantic_extra_types` instead. " + (
        "See https://docs.pydantic.dev/latest/api/pydantic_extra_types_color/."
    )

    def __init__(self, value: ColorType | Color) -> None:
        warnings.warn(self._message, PydanticDeprecatedSince20, stacklevel=2)
        if isinstance(value, Color):
            self._rgba = value._rgba
            self._original: Any = value._original
            return
        if isinstance(value, (tuple, list)):
            self._rgba = parse_tuple(tuple(value))
        elif isinstance(value, str):
            self._rgba = parse_str(value)
        else:
            raise _error("value must be a tuple, list or string")
        self._original = value

    def original(self) -> Any:
        """The value this colour was made from."""
        return self._original

    def as_named(self, *, fallback: bool = False) -> str:
        """The CSS name; without one, the hex form when ``fallback`` else ValueError."""
        if self._rgba.alpha is None:
            rgb = self.as_rgb_tuple()
            name = COLORS_BY_VALUE.get(rgb)  # type: ignore[arg-type]
            if name is not None:
                return name
        if fallback:
            return self.as_hex()
        raise ValueError("no named color found, use fallback=True, as_hex() or as_rgb()")

    def as_hex(self, format: str = "short") -> str:
        """``#rgb``/``#rgba`` when every channel allows it (and ``format="short"``), else ``#rrggbb[aa]``."""
        channels = [_to_255(c) for c in self._rgba[:3]]
        if self._rgba.alpha is not None:
            channels.append(_to_255(self._rgba.alpha))
        digits = "".join(f"{c:02x}" for c in channels)
        if format == "short" and all(digits[i] == digits[i + 1] for i in range(0, len(digits), 2)):
            digits = digits[::2]
        return "#" + digits

    def as_rgb(self) -> str:
        """``rgb(r, g, b)`` or ``rgba(r, g, b, alpha)``."""
        r, g, b = (_to_255(c) for c in self._rgba[:3])
        if self._rgba.alpha is None:
            return f"rgb({r}, {g}, {b})"
        return f"rgba({r}, {g}, {b}, {round(self._rgba.alpha, 2)})"

    def as_rgb_tuple(self, *, alpha: bool | None = None) -> ColorTuple:
        """``(r, g, b)`` 0-255; with the alpha when ``alpha`` is True, or when None and not opaque."""
        r, g, b = (_to_255(c) for c in self._rgba[:3])
        if alpha is False or (alpha is None and self._rgba.alpha is None):
            return (r, g, b)
        return (r, g, b, 1 if self._rgba.alpha is None else self._rgba.alpha)

    def as_hsl(self) -> str:
        """``hsl(h, s%, l%)`` or ``hsl(h, s%, l%, alpha)``."""
        h, s, l_, *rest = self.as_hsl_tuple(alpha=None)
        text = f"hsl({h * 360:0.0f}, {s:0.0%}, {l_:0.0%}"
        if rest:
            text += f", {round(rest[0], 2)}"
        return text + ")"

    def as_hsl_tuple(self, *, alpha: bool | None = None) -> HslColorTuple:
        """``(h, s, l)`` as fractions of 1, with the alpha like ``as_rgb_tuple``."""
        h, l_, s = colorsys.rgb_to_hls(*self._rgba[:3])
        if alpha is False or (alpha is None and self._rgba.alpha is None):
            return (h, s, l_)
        return (h, s, l_, 1 if self._rgba.alpha is None else self._rgba.alpha)

    def __str__(self) -> str:
        return self.as_named(fallback=True)

    def __repr__(self) -> str:
        return f"Color({str(self)!r}, rgb={self.as_rgb_tuple()})"

    def __rich_repr__(self) -> Any:
        yield str(self)
        yield "rgb", self.as_rgb_tuple()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Color) and self.as_rgb_tuple() == other.as_rgb_tuple()

    def __hash__(self) -> int:
        return hash(self.as_rgb_tuple())

    def __ouroboros_json__(self) -> str:
        return str(self)

    __ouroboros_type_schema__: ClassVar[dict[str, Any]]


Color.__ouroboros_type_schema__ = {
    "type": "function",
    "mode": "plain",
    "func": _validator_of_deprecated(Color),
    "json_schema_hook": (lambda _core, _handler: {"type": "string", "format": "color"}, None),
}
