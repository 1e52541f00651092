"""A plan text with 1-based line access and errors that point at the line."""

import codecs
from pathlib import Path

from ..errors import PlanParseError


def decode_plan(path, data):
    """The text of a plan file's bytes, which must be UTF-8 (a UTF-8 byte-order mark is accepted).

    Anything else raises one :class:`PlanParseError` a planner can act on without a traceback: a
    UTF-16 file (with or without its byte-order mark) names the encoding; a byte that is not UTF-8
    (a file saved as GBK, a damaged copy) names the line and column where it sits; a NUL byte names
    its line.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        order = "FF FE" if data.startswith(codecs.BOM_UTF16_LE) else "FE FF"
        raise PlanParseError(path, None, f"encoded as UTF-16 (it starts with the byte-order mark {order}), "
                                         "not UTF-8; save it as UTF-8")
    if b"\x00" in data:
        even, odd = data[0::2].count(0), data[1::2].count(0)
        if max(even, odd) >= 0.05 * len(data) / 2 and min(even, odd) <= max(even, odd) / 10:
            raise PlanParseError(path, None, "encoded as UTF-16 without a byte-order mark (every other byte "
                                             "is NUL), not UTF-8; save it as UTF-8")
        pos = data.index(b"\x00")
        line, col = _where(data, pos)
        raise PlanParseError(path, line, f"a NUL byte at column {col}: not a text file, or a damaged copy")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _where(data, exc.start)
        raise PlanParseError(path, line, f"byte 0x{data[exc.start]:02X} at column {col} is not UTF-8 "
                                         f"({exc.reason}); plan texts are UTF-8 — was the file saved as "
                                         "GBK/GB18030, or damaged? Save it as UTF-8") from None


def _where(data, pos):
    """The 1-based line and column (in characters) of byte ``pos``."""
    start = data.rfind(b"\n", 0, pos) + 1
    return data.count(b"\n", 0, pos) + 1, len(data[start:pos].decode("utf-8", "replace")) + 1


class PlanText:
    """The lines of one plan file, numbered as an editor numbers them (first line = 1)."""

    def __init__(self, path, text=None):
        self.path = Path(path)
        if text is None:
            try:
                data = self.path.read_bytes()
            except OSError as exc:
                raise PlanParseError(self.path, None, f"cannot be read: {exc.strerror or exc}") from None
            text = decode_plan(self.path, data)
        self.lines = text.split("\n")
        self.plan = self.path.name[:3]

    def __getitem__(self, lineno):
        """Line ``lineno`` (1-based), without its newline."""
        return self.lines[lineno - 1]

    def __len__(self):
        return len(self.lines)

    def numbered(self, start=1, end=None):
        """``(lineno, line)`` pairs from ``start`` to ``end`` inclusive."""
        end = len(self.lines) if end is None else end
        for i in range(start, end + 1):
            yield i, self.lines[i - 1]

    def find(self, needle, start=1, end=None):
        """The first line number at or after ``start`` that contains ``needle``; error if none."""
        for i, line in self.numbered(start, end):
            if needle in line:
                return i
        raise self.error(start, f"expected a line containing {needle!r} after this line")

    def error(self, lineno, message):
        """A :class:`PlanParseError` for this file and line (raise it)."""
        return PlanParseError(self.path, lineno, message)
