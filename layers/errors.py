"""The project's small exception hierarchy.

Every error a user can cause says *what* is wrong and *where* (file and line, layer and feature), so
that a planner or GIS editor can fix the input without reading a traceback. Adapters map these to
exit codes (CLI) or HTTP statuses (web app).
"""


class PlanMapError(Exception):
    """Base class of every error this project raises on purpose."""


class LocatedError(PlanMapError):
    """An error in a text file the project reads: carries the file and the 1-based line, and reads
    ``file:line: message`` like a compiler's, so an editor can jump straight to it."""

    def __init__(self, path, line, message):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")


class PlanParseError(LocatedError):
    """A plan text could not be read as the plan's tables say it should be (a damaged row)."""


class RecipeError(LocatedError):
    """A structure recipe names something that does not exist or cannot be built."""


class StoreError(PlanMapError):
    """The GeoPackage could not be written or read as expected."""


class CheckFailed(PlanMapError):
    """``planmap check`` found problems; ``problems`` lists them, one readable line each."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) found")
