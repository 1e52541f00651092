"""Travel-time rings: nested 15/30/60-minute polygons from a road network, and the plans' time targets.

The rooms (DESIGN.md, "Accessibility"):

- :mod:`.minutes` — which thresholds a ring may have (1..180 minutes);
- :mod:`.graph` — a network compiled once into arrays, a raster grid and the land on that grid;
- :mod:`.query` — one ring set or a set of travel times from an origin on a compiled network;
- :mod:`.engine` — :class:`RingEngine`, the one place that picks the network and land, compiles it
  once and keeps it on disk and in memory; the web, ``planmap access`` and ``planmap build`` use it;
- :mod:`.summary` — what lies inside each ring;
- :mod:`.targets` — the plans' travel-time statements, met or missed.
"""

from ..errors import AccessError, InSea, MinutesError, NetworkMissing, OffNetwork, OutsideGraph
from .engine import RingEngine, load_compiled, save_compiled, shapes_digest
from .graph import SNAP_M, WALK_MPS, AccessGraph, compile_network, network_times_from_nodes, set_land
from .minutes import DEFAULT_MINUTES, MAX_MINUTES, MIN_MINUTES, check_minutes
from .query import Rings, origin_geometry, rings, travel_seconds
from .summary import summarise
from .targets import TARGET_COLUMNS, evaluate_targets, load_places

__all__ = [
    "AccessError", "InSea", "MinutesError", "NetworkMissing", "OffNetwork", "OutsideGraph", "RingEngine",
    "load_compiled", "save_compiled", "shapes_digest", "SNAP_M", "WALK_MPS", "AccessGraph", "compile_network",
    "network_times_from_nodes", "set_land", "DEFAULT_MINUTES", "MAX_MINUTES", "MIN_MINUTES", "check_minutes",
    "Rings", "origin_geometry", "rings", "travel_seconds", "summarise", "TARGET_COLUMNS", "evaluate_targets",
    "load_places",
]
