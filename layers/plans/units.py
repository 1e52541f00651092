"""Unit conversion for the figures the plans print.

The plans mix 亩, 公顷, 平方公里, 万平方米 and 平方米 for land, and 亿元 and 万元 for money. Every table in
the GeoPackage stores metres squared and 亿元, and keeps the raw value and unit beside them so that a
reader can always go back to what the plan printed.
"""

import re

#: 1 亩 = 10000/15 m², the statutory definition (≈ 666.67 m²).
MU_M2 = 10000.0 / 15.0

AREA_TO_M2 = {
    "平方米": 1.0,
    "m2": 1.0,
    "m²": 1.0,
    "㎡": 1.0,
    "平米": 1.0,
    "平方": 1.0,
    "万平方米": 1e4,
    "万平米": 1e4,
    "万m2": 1e4,
    "万㎡": 1e4,
    "万m²": 1e4,
    "亩": MU_M2,
    "万亩": MU_M2 * 1e4,
    "公顷": 1e4,
    "hm2": 1e4,
    "h㎡": 1e4,
    "hm²": 1e4,
    "平方公里": 1e6,
    "平方千米": 1e6,
    "km2": 1e6,
    "km²": 1e6,
}

MONEY_TO_YI = {"亿元": 1.0, "亿": 1.0, "万元": 1e-4, "万": 1e-4}

_NUMBER = r"(\d+(?:\.\d+)?)"
# Longest units first so that 万平方米 wins over 平方米 and 万亩 over 亩.
_AREA_UNITS = sorted(AREA_TO_M2, key=len, reverse=True)
_AREA_RE = re.compile(
    _NUMBER + r"\s*(" + "|".join(re.escape(u) for u in _AREA_UNITS) + r")"
)


def area_to_m2(value, unit):
    """Convert ``value`` in ``unit`` (one of :data:`AREA_TO_M2`) to square metres."""
    try:
        return float(value) * AREA_TO_M2[unit.strip()]
    except KeyError:
        raise ValueError(f"unknown area unit {unit!r}") from None


def money_to_yi(value, unit):
    """Convert a money figure in 亿元 or 万元 to 亿元."""
    try:
        return float(value) * MONEY_TO_YI[unit.strip()]
    except KeyError:
        raise ValueError(f"unknown money unit {unit!r}") from None


def find_areas(text):
    """All ``(value, unit, m2)`` area mentions in ``text``, in order.

    ``"总用地面积约30.244亩"`` gives ``[(30.244, "亩", 20162.67)]``. Superscript-free spellings such as
    ``m ²`` (a PDF artefact, with a space) are normalised first.
    """
    text = re.sub(r"m\s*[²2]", "m2", text.replace("m ²", "m2"))
    out = []
    for m in _AREA_RE.finditer(text):
        value, unit = float(m.group(1)), m.group(2)
        out.append((value, unit, value * AREA_TO_M2[unit]))
    return out


def parse_number(cell):
    """A table cell as a float, or ``None`` for the plans' blanks (待定, 视情, -, empty).

    Raises ``ValueError`` for anything else, so that a damaged cell is reported, not skipped.
    """
    s = (cell or "").strip().replace(",", "").replace("，", "").replace("\u3000", "")
    if s in ("", "待定", "视情", "视情而定", "-", "—", "/", "——"):
        return None
    return float(s)
