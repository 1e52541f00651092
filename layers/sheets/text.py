"""Chinese text on a sheet: finding the CJK font, checking it has every glyph, trimming it so that PDF
subsetting stays fast, measuring and wrapping text, and setting text with halos that stay text.

Text is set in Noto Sans CJK (Debian ``fonts-noto-cjk``) and embedded as TrueType/CID (``pdf.fonttype
= 42``), so the PDF's text layer holds real Chinese that ``pdftotext`` and a planner's search find.
Without the font, or with a character the font lacks, rendering stops with
:class:`~layers.errors.FontMissingError` instead of printing empty boxes.
"""

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import FontMissingError

CJK_FAMILY = "Noto Sans CJK SC"
CJK_PACKAGE = "fonts-noto-cjk"
CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)

#: Points to millimetres.
PT_MM = 25.4 / 72.0

#: Phrases every sheet prints and people (and the tests) search the PDF's text for.
NOT_SURVEY = "示意/勾绘图形，非测绘成果"
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"


# -- the font -----------------------------------------------------------------------------------------

def cjk_font():
    """``(family, path, face_index)`` of the Simplified-Chinese Noto Sans CJK face.

    Raises :class:`FontMissingError` naming the Debian package when the font is not installed.
    """
    paths = [p for p in CJK_CANDIDATES if os.path.exists(p)]
    if not paths and shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", f":family={CJK_FAMILY}", "file"], capture_output=True,
                                 text=True, timeout=20).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        paths = [line.split(":")[0].strip() for line in out.splitlines()
                 if "Regular" in line or "Sans" in line]
    if not paths:
        raise FontMissingError(
            f"the Chinese font {CJK_FAMILY} (Noto Sans CJK) is not installed, so a sheet would print "
            f"empty boxes instead of Chinese; install the Debian package {CJK_PACKAGE} "
            f"(apt-get install {CJK_PACKAGE})")
    path = paths[0]
    return CJK_FAMILY, path, _face_index(path, CJK_FAMILY)


@functools.lru_cache(maxsize=8)
def _face_index(path, family):
    """The face of a font collection (``.ttc``) whose family is ``family`` (Noto CJK holds SC, TC, JP …)."""
    from matplotlib import ft2font

    if not str(path).lower().endswith((".ttc", ".otc")):
        return 0
    for i in range(16):
        try:
            font = ft2font.FT2Font(str(path), face_index=i)
        except (RuntimeError, OSError, ValueError):
            break
        if font.family_name == family:
            return i
    return 0


@functools.lru_cache(maxsize=8)
def _charmap(path, face_index):
    from matplotlib import ft2font

    return frozenset(ft2font.FT2Font(str(path), face_index=face_index).get_charmap())


def missing_glyphs(text, font=None):
    """The characters of ``text`` that ``font`` (``(family, path, face_index)``) has no glyph for."""
    family, path, index = font or cjk_font()
    cmap = _charmap(str(path), index)
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


#: Characters every sheet prints (legend, scale, sources): checked before anything is drawn.
PROBE = "图例比例尺坐标系资料来源编制日期勾绘示意非测绘成果陆地与海岛©—·：（）“”²°"


def check_glyphs(font, texts):
    """Refuse to print when the font lacks a character of ``texts`` (it would print an empty box)."""
    missing = missing_glyphs("".join(texts), font)
    if missing:
        raise FontMissingError(
            f"the font {font[0]} ({font[1]}) has no glyph for {''.join(missing[:20])!r}; the sheet would "
            f"print empty boxes. Install the Debian package {CJK_PACKAGE}")


#: Tables of the CJK font a flat, horizontal map sheet does not need. Without them matplotlib's
#: per-document font subsetting (fontTools) takes well under half the time, and one font subset
#: holds both Chinese and Latin text (no shaping alternates).
_DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "VORG", "DSIG", "JSTF", "MATH")


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "planmap" / "fonts"


@functools.lru_cache(maxsize=8)
def sheet_font_file(path, face_index):
    """A copy of one face of ``path`` without layout tables, cached on disk; ``(path, index)``.

    Falls back to the original file when the cache cannot be written.
    """
    from fontTools.ttLib import TTFont

    st = os.stat(path)
    name = f"{Path(path).stem}-{face_index}-{st.st_size}-{int(st.st_mtime)}.sheet.otf"
    for d in (_cache_dir(), Path(tempfile.gettempdir()) / "planmap-fonts"):
        target = d / name
        if target.exists():
            return str(target), 0
        try:
            d.mkdir(parents=True, exist_ok=True)
            font = TTFont(path, fontNumber=face_index, lazy=True) if str(path).lower().endswith(
                (".ttc", ".otc")) else TTFont(path, lazy=True)
            for tag in _DROP_TABLES:
                if tag in font:
                    del font[tag]
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            font.save(str(tmp))
            os.replace(tmp, target)
            return str(target), 0
        except OSError:
            continue
    return str(path), face_index


def font_properties(font):
    """The sheet's font as matplotlib FontProperties, pinned to a file rather than a family name."""
    from matplotlib.font_manager import FontProperties

    family, path, index = font
    f, i = sheet_font_file(str(path), index)
    if i:      # trimming failed on a collection: only the family name reaches the right face
        return FontProperties(family=family)
    return FontProperties(fname=f)


# -- measuring and wrapping -----------------------------------------------------------------------------

class Measure:
    """Text widths in points, summed from per-character advances of the sheet font.

    Bold is drawn as the regular face with a thin outline (see :class:`Typesetter`), so one advance
    table serves both weights.
    """

    _caches = {}      # per font file: character → advance at 1 pt, shared by every sheet of the process

    def __init__(self, props):
        from matplotlib.textpath import TextToPath

        self._ttp = TextToPath()
        self._fp = props.copy()
        self._fp.set_size(10)
        key = self._fp.get_file() or self._fp.get_family()[0]
        self._cache = self._caches.setdefault(str(key), {})

    def width_pt(self, text, size, weight="normal"):
        total = 0.0
        for ch in text:
            if ch not in self._cache:
                w, _, _ = self._ttp.get_text_width_height_descent(ch, self._fp, ismath=False)
                self._cache[ch] = w / 10.0
            total += self._cache[ch]
        return total * size

    #: Phrases never broken across lines (they are searched for in the PDF's text).
    KEEP = (OSM_ATTRIBUTION, "EPSG:4549", "CGCS2000", "Gauss-Kruger")
    _TOKEN = re.compile("|".join(re.escape(k) for k in KEEP)
                        + r"|[A-Za-z0-9@©.,:;/_()\[\]'+\-–%°²&]+ ?|\s|.")
    _CLOSING = set("，。；、：）」”》％!?！？,.;:)")
    _OPENING = set("（「“《(")

    def wrap(self, text, width_mm, size, weight="normal", indent_mm=0.0):
        """Greedy line breaking: CJK breaks anywhere, Latin words and KEEP phrases stay whole, and
        no line starts with closing punctuation."""
        tokens = self._TOKEN.findall(text)
        lines, cur = [], ""
        limit = width_mm / PT_MM
        for tok in tokens:
            lim = limit if not lines else limit - indent_mm / PT_MM
            if not cur and lines and tok and tok[0] in self._CLOSING:
                lines[-1] += tok.rstrip()
                continue
            trial = cur + tok
            if cur.strip() and self.width_pt(trial.rstrip(), size, weight) > lim:
                if tok[0] in self._CLOSING:
                    # pull the last character down with the punctuation rather than start with it
                    lines.append(cur[:-1].rstrip())
                    cur = cur[-1] + tok
                elif cur.rstrip()[-1] in self._OPENING and len(cur.rstrip()) > 1:
                    # no line ends with an opening bracket or quote
                    lines.append(cur.rstrip()[:-1])
                    cur = cur.rstrip()[-1] + tok.lstrip()
                else:
                    lines.append(cur.rstrip())
                    cur = tok.lstrip()
            else:
                cur = trial
        if cur.strip():
            lines.append(cur.rstrip())
        return lines or [""]


# -- setting text -----------------------------------------------------------------------------------------

class Typesetter:
    """Puts text on a sheet's axes and remembers every string (for the glyph check).

    Path effects turn text into outlines, which would take it out of the PDF's text layer. So a halo
    and the bold weight are drawn by a stroke-only copy *under* a plain text; :attr:`under` maps each
    text to its copy, so moving or removing a label moves or removes both.

    One face only: every embedded face costs a font subsetting per PDF (about a second for CJK), so
    bold is the regular face with a thin outline of its own colour.
    """

    def __init__(self, props):
        self.props = props
        self.texts = []           # every string put on the page, in order
        self.under = {}           # Text → its stroke-only copy

    def put(self, ax, x, y, s, *, halo=None, bold=False, **kw):
        """``ax.text`` in the sheet font; ``halo`` is ``(linewidth, colour)`` of an outline behind it."""
        from matplotlib import patheffects as pe

        kw["fontproperties"] = self.props
        strokes = []
        if halo is not None:
            strokes.append(pe.Stroke(linewidth=halo[0], foreground=halo[1]))
        if bold:
            size = kw.get("fontsize", 8)
            strokes.append(pe.Stroke(linewidth=max(0.35, size * 0.045), foreground=kw.get("color", "black")))
        self.texts.append(s)
        t = ax.text(x, y, s, **kw)
        if strokes:
            u = ax.text(x, y, s, **dict(kw, path_effects=strokes, zorder=kw.get("zorder", 3) - 0.01))
            u.set_alpha(None)
            u.set_color("none")      # the copy draws only its strokes, the text above draws the fill
            self.under[t] = u
        return t

    def artists(self, t):
        """``t`` and its stroke copy, if any."""
        u = self.under.get(t)
        return (t,) if u is None else (t, u)

    def move(self, t, x, y, ha, va):
        for a in self.artists(t):
            a.set_position((x, y))
            a.set_horizontalalignment(ha)
            a.set_verticalalignment(va)

    def remove(self, t):
        """Take ``t`` (and its copy) off the page and out of the glyph check."""
        for a in self.artists(t):
            a.remove()
        self.under.pop(t, None)
        s = t.get_text()
        if s in self.texts:
            self.texts.remove(s)
