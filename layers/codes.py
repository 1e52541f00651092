"""Parcel codes: parse, split and normalise the codes the plans print.

The plans print control-plan parcel codes in many hands: ``E-16-03``, ``E-16-01b``, ``E-06-07-02``,
``B-09a``, ``A-05a-2-1`` (plan 000); ``11-B-25``, ``YB-04-G-13``, ``02-E-10至02-E-22``,
``YB-bb06-007`` (plan 003); ``B-02b2/3/4``, ``A5/A7/A8``, ``NY-A-06`` (plan 002). Joins key on the
*normalised* code (:func:`normalise`) while the layers keep the code as printed.

Normalisation is deliberately conservative: full-width characters to half-width, every dash to
``-``, spaces removed, the block letters upper-case and the trailing sub-parcel letters lower-case
(``A-01C`` and ``A-01c`` are the same parcel; ``YB-bb06`` keeps its unit prefix upper-case).
"""

import re
import unicodedata

_DASHES = "‐‑‒–—―－−~～"
_RANGE_WORDS = ("至", "~", "～", "—", "－－")

#: A code as it stands in running text: groups of letters/digits joined by dashes, optionally
#: followed by slash-separated sibling suffixes (``B-02b2/3/4``).
CODE_RE = re.compile(
    r"(?<![A-Za-z0-9])("
    r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?:/[A-Za-z0-9]+)*"      # dashed: E-16-03, B-02b2/3/4
    r"|[A-Z]{1,2}\d{1,3}[a-z]?\d?(?:/[A-Z]{0,2}\d{1,3}[a-z]?\d?)+"  # slashed siblings: A5/A7/A8
    r")(?![A-Za-z0-9])"
)


def normalise(code):
    """The join key of a printed parcel code.

    >>> normalise("Ｅ－16－01Ｂ")
    'E-16-01b'
    >>> normalise("YB-bb06-007地块")
    'YB-BB06-007'
    """
    s = unicodedata.normalize("NFKC", code).strip()
    s = s.replace("地块", "").replace(" ", "")
    for d in _DASHES:
        s = s.replace(d, "-")
    s = s.strip("-")
    parts = s.split("-")
    out = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        m = re.fullmatch(r"([A-Za-z]*)(\d*)([A-Za-z]*)(\d*)", part)
        if m and last and m.group(2) and m.group(3):
            # trailing sub-parcel letters: E-16-01b, B-02b2, A-05a-2-1 (only on the last part
            # or where digits precede them)
            out.append(m.group(1).upper() + m.group(2) + m.group(3).lower() + m.group(4))
        elif m and m.group(2) and m.group(3):
            out.append(m.group(1).upper() + m.group(2) + m.group(3).lower() + m.group(4))
        else:
            out.append(part.upper())
    return "-".join(out)


def block_of(code_norm):
    """The 街坊 (block) a normalised code belongs to: the code without its last part.

    ``E-16-03`` → ``E-16``; ``YB-04-G-13`` → ``YB-04-G``; ``B-09a`` → ``B``; ``A10`` → ``A``.
    """
    if "-" in code_norm:
        return code_norm.rsplit("-", 1)[0]
    m = re.match(r"[A-Z]+", code_norm)
    return m.group(0) if m else code_norm


def expand_siblings(code):
    """``B-02b2/3/4`` → ``[B-02b2, B-02b3, B-02b4]``; ``A5/A7/A8`` → ``[A5, A7, A8]``."""
    head, *rest = code.split("/")
    if not rest:
        return [code]
    out = [head]
    for suffix in rest:
        if re.match(r"[A-Za-z]", suffix) and re.match(r"[A-Za-z]", head) and len(suffix) >= 2 and "-" not in head:
            out.append(suffix)          # a whole sibling code (A7)
        else:
            out.append(head[: len(head) - len(suffix)] + suffix)
    return out


def expand_range(first, last):
    """``02-E-10`` … ``02-E-22`` → every code in between (same prefix, numeric last part).

    Raises ``ValueError`` when the two ends do not share a prefix or the range is absurd (> 200).
    """
    a, b = normalise(first), normalise(last)
    pa, na = a.rsplit("-", 1)
    pb, nb = b.rsplit("-", 1)
    if pa != pb or not (na.isdigit() and nb.isdigit()):
        raise ValueError(f"cannot expand range {first}…{last}: different prefixes")
    lo, hi = int(na), int(nb)
    if not 0 <= hi - lo <= 200:
        raise ValueError(f"cannot expand range {first}…{last}: {hi - lo + 1} codes")
    width = len(na)
    return [f"{pa}-{i:0{width}d}" for i in range(lo, hi + 1)]


def split_codes(text):
    """Every parcel code in ``text`` as printed, with ranges and sibling lists expanded.

    Returns ``[(printed, normalised), …]`` in order, without duplicates.
    """
    t = unicodedata.normalize("NFKC", text)
    found = []
    matches = list(CODE_RE.finditer(t))
    i = 0
    while i < len(matches):
        m = matches[i]
        raw = m.group(1)
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        between = t[m.end(): nxt.start()] if nxt else ""
        if nxt and between.strip() in _RANGE_WORDS:
            try:
                for c in expand_range(raw, nxt.group(1)):
                    found.append((c, c))
                i += 2
                continue
            except ValueError:
                pass
        for c in expand_siblings(raw):
            if is_parcel_code(c):
                found.append((c, normalise(c)))
        i += 1
    seen, out = set(), []
    for raw, norm in found:
        if norm not in seen:
            seen.add(norm)
            out.append((raw, norm))
    return out


def is_parcel_code(s):
    """True when ``s`` (already isolated) looks like a parcel code rather than a year span or ratio.

    Year spans (``2021-2025``), ratios (``15-30-60``) and plain numbers are not codes.
    """
    n = normalise(s)
    return bool(re.search(r"[A-Z]", n) and re.search(r"\d", n))
