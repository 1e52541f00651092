"""Every exception the project raises on purpose, in one place, each with what the adapters do with it.

Every error a user can cause says *what* is wrong and *where* (file and line, layer and feature), so
that a planner or GIS editor can fix the input without reading a traceback. The adapters do not
decide how bad an error is: each class carries its HTTP status (the web app answers with it) and its
exit code (the ``planmap`` command exits with it), and a kind word that the JSON error body carries.

=========================  ======  ====  ====================================================================
class                      HTTP    exit  meaning
=========================  ======  ====  ====================================================================
``PlanMapError``           500     1     a fault of the server or of the project's own data
``BadRequest``             400     2     the request or the command's options cannot be honoured as given
``NotFound``               404     3     no such parcel, structure, project, layer or plan
``DataUnavailable``        503     4     the data to answer is missing: no GeoPackage, no road network, no font
``CheckFailed``            500     1     ``planmap check`` or a build's validation found problems
=========================  ======  ====  ====================================================================

The classes below derive from these five; ``tests/test_errors.py`` checks the table against the code.
"""


class PlanMapError(Exception):
    """Base class of every error this project raises on purpose: a server fault unless a subclass says
    otherwise."""

    status = 500
    exit_code = 1
    kind = "server_error"


class BadRequest(PlanMapError):
    """A malformed or absurd request: a bbox that is not four numbers, minutes outside 1..180 …"""

    status = 400
    exit_code = 2
    kind = "bad_request"


class NotFound(PlanMapError):
    """A parcel, structure, project, layer or plan that does not exist."""

    status = 404
    exit_code = 3
    kind = "not_found"


class DataUnavailable(PlanMapError):
    """The data needed to answer is missing or unreadable: no GeoPackage yet, no road network, no
    Chinese font. ``command``, where set, is the command that cures it (shown to the user)."""

    status = 503
    exit_code = 4
    kind = "unavailable"
    command = None


# -- plan texts and recipes ---------------------------------------------------------------------------

class LocatedError(PlanMapError):
    """An error in a file the project reads: carries the file and the 1-based line, and reads
    ``file:line: message`` like a compiler's, so an editor can jump straight to it (``file: message``
    when the fault is the whole file: undecodable, missing, duplicated)."""

    def __init__(self, path, line, message):
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}" if line is not None else f"{self.path}: {message}")


class PlanParseError(LocatedError):
    """A plan text could not be read as the plan's tables say it should be (a damaged row)."""


class RecipeError(LocatedError):
    """A structure recipe names something that does not exist or cannot be built."""


# -- the GeoPackage -----------------------------------------------------------------------------------

class StoreError(PlanMapError):
    """The GeoPackage could not be written as expected (the previous file is kept)."""


class GeoPackageMissing(DataUnavailable):
    """The GeoPackage does not exist or cannot be opened; ``planmap build`` makes it."""

    command = "planmap build"


class CheckFailed(PlanMapError):
    """``planmap check`` found problems; ``problems`` lists them, one readable line each."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) found")


class SettingError(BadRequest):
    """A setting (environment, instance config or option) has a value of the wrong kind."""


# -- road networks and rings --------------------------------------------------------------------------

FETCH_HINT = "planmap network fetch --bbox 120.55,27.75,121.25,28.20 --mode {mode}"


class NetworkError(DataUnavailable):
    """A road network could not be fetched, read or prepared, or the one to use is ambiguous."""


class NetworkMissing(NetworkError):
    """No cached network for the name and mode asked for; the message and ``command`` say how to get one."""

    def __init__(self, mode="drive", name=None, where=None):
        self.mode = mode
        self.command = FETCH_HINT.format(mode=mode)
        what = f"network {name!r} ({mode})" if name else f"no {mode} road network"
        where = f" in {where}" if where else ""
        super().__init__(f"network missing: {what}{where}; run `{self.command}` "
                         f"(or `planmap network import FILE --mode {mode}`)")


class AccessError(BadRequest):
    """A travel-time ring cannot be computed as asked; the message says why."""


class MinutesError(AccessError):
    """A ring's minutes outside 1..180."""


class OutsideGraph(AccessError):
    """The origin lies outside the network's extent."""


class InSea(AccessError):
    """The origin is not on land."""


class OffNetwork(AccessError):
    """The origin is farther than the snap distance from any road of the network."""


# -- sheets -------------------------------------------------------------------------------------------

class SheetError(BadRequest):
    """A sheet request that cannot be honoured: an unknown plan, a bad size, a bbox off the CRS …"""


class FontMissingError(DataUnavailable):
    """The CJK font is not installed, or lacks a character the sheet needs."""

    command = "apt-get install fonts-noto-cjk"


# -- the web page -------------------------------------------------------------------------------------

class OfflineError(PlanMapError):
    """A page would load a file from outside the app (a script or stylesheet that is not vendored)."""
