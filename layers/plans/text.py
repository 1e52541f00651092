"""A plan text with 1-based line access and errors that point at the line."""

from pathlib import Path

from ..errors import PlanParseError


class PlanText:
    """The lines of one plan file, numbered as an editor numbers them (first line = 1)."""

    def __init__(self, path, text=None):
        self.path = Path(path)
        if text is None:
            text = self.path.read_text(encoding="utf-8")
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
