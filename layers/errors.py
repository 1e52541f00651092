"""The project's small exception hierarchy.

Every error a user can cause says *what* is wrong and *where* (file and line, layer and feature), so
that a planner or GIS editor can fix the input without reading a traceback. Adapters map these to
exit codes (CLI) or HTTP statuses (web app).
"""


class PlanMapError(Exception):
    """Base class of every error this project raises on purpose."""


class PlanParseError(PlanMapError):
    """A plan text could not be read as the plan's tables say it should be.

    Carries the file and the 1-based line so that the message points at the damaged row.
    """

    def __init__(self, path, line, message):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")


class RecipeError(PlanMapError):
    """A structure recipe names something that does not exist or cannot be built."""

    def __init__(self, path, line, message):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")


class StoreError(PlanMapError):
    """The GeoPackage could not be written or read as expected."""


class CheckFailed(PlanMapError):
    """``planmap check`` found problems; ``problems`` lists them, one readable line each."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) found")
