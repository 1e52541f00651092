"""Ring thresholds: which minutes a ring may have, checked once for every door."""

import math

from ..errors import MinutesError

DEFAULT_MINUTES = (15, 30, 60)
MIN_MINUTES, MAX_MINUTES = 1, 180

def check_minutes(minutes):
    """Minutes as a sorted tuple of floats, each 1..180; anything else raises :class:`MinutesError`."""
    if isinstance(minutes, str):
        try:
            minutes = [float(m) for m in minutes.split(",") if m.strip()]
        except ValueError:
            raise MinutesError(f"minutes must be numbers separated by commas (e.g. 15,30,60), not {minutes!r}")
    elif isinstance(minutes, (int, float)):
        minutes = [minutes]
    out = []
    for m in minutes:
        try:
            v = float(m)
        except (TypeError, ValueError):
            raise MinutesError(f"minutes must be numbers, not {m!r}")
        if not (MIN_MINUTES <= v <= MAX_MINUTES) or not math.isfinite(v):
            raise MinutesError(f"minutes must each be between {MIN_MINUTES} and {MAX_MINUTES}, not {m:g}"
                               if isinstance(m, (int, float)) else
                               f"minutes must each be between {MIN_MINUTES} and {MAX_MINUTES}, not {m!r}")
        out.append(v)
    if not out:
        raise MinutesError("give at least one ring, e.g. 15,30,60 minutes")
    return tuple(sorted(set(out)))


