"""A network's GraphML read straight into the arrays the ring engine compiles, streaming.

``osmnx.load_graphml`` builds a full networkx graph — a dict per node and per edge, every attribute
converted — which for a city-sized network (100 000 nodes, 400 000 edges) takes about 13 s and well
over a gigabyte, only for :func:`~layers.access.graph.compile_network` to turn it into a few arrays.
The engine needs six things per edge (ends, seconds, metres, class, the access-controlled flag, the
geometry) and two per node, so this reader walks the file once with ``xml.etree.ElementTree.iterparse``,
keeps those, and clears each element behind it: a few seconds and a few tens of megabytes. GraphML is
a published standard and osmnx writes plain ``<data>`` strings, so nothing about osmnx's own types is
needed. ``tests/test_access.py`` checks that both routes compile to the same network.
"""

import ast
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

import numpy as np

from ..errors import NetworkError
from ..network import ACCESS_CONTROLLED

_NS = "{http://graphml.graphdrawing.org/xmlns}"


@dataclass
class NetworkArrays:
    """A road network as arrays: node ids and EPSG:4549 coordinates, and per edge the positions of its
    ends, seconds, metres, whether it is access-controlled, and its geometry (shapely, WKT or None)."""

    graph: dict
    node_ids: list
    xy: np.ndarray
    us: np.ndarray
    vs: np.ndarray
    ts: np.ndarray
    ls: np.ndarray
    ctl: np.ndarray
    geoms: list = field(default_factory=list)


def first_class(highway):
    """The first OSM class of an edge's ``highway``: a string, a list, or a list written as text."""
    if isinstance(highway, str) and highway.startswith("["):
        try:
            highway = ast.literal_eval(highway)
        except (ValueError, SyntaxError):
            return highway
    return highway[0] if isinstance(highway, list) and highway else highway


def is_true(value):
    return value is True or str(value).strip().lower() == "true"


def read_graphml(path):
    """The :class:`NetworkArrays` of a GraphML file written by ``osmnx.save_graphml``."""
    keys, graph = {}, {}
    pos, node_ids, xs, ys = {}, [], [], []
    us, vs, ts, ls, ctl, geoms = [], [], [], [], [], []
    try:
        for _, el in iterparse(str(path), events=("end",)):
            tag = el.tag[len(_NS):] if el.tag.startswith(_NS) else el.tag
            if tag == "key":
                keys[el.get("id")] = el.get("attr.name")
            elif tag == "node":
                data = {keys.get(d.get("key")): d.text for d in el}
                pos[el.get("id")] = len(node_ids)
                node_ids.append(el.get("id"))
                xs.append(float(data["x"]))
                ys.append(float(data["y"]))
                el.clear()
            elif tag == "edge":
                data = {keys.get(d.get("key")): d.text for d in el}
                us.append(pos[el.get("source")])
                vs.append(pos[el.get("target")])
                ts.append(float(data["travel_time"]))
                ls.append(float(data.get("length") or 0.0))
                ctl.append(is_true(data.get("access_controlled")) or first_class(data.get("highway")) in ACCESS_CONTROLLED)
                geoms.append(data.get("geometry"))
                el.clear()
            elif tag == "graph":
                graph.update({keys.get(d.get("key")): d.text for d in el if d.tag.endswith("data")})
    except (OSError, SyntaxError, KeyError, ValueError) as exc:
        raise NetworkError(f"{path.name if hasattr(path, 'name') else path}: not a readable road network GraphML "
                           f"({type(exc).__name__}: {exc})") from exc
    return NetworkArrays(graph, node_ids, np.column_stack([xs, ys]) if xs else np.empty((0, 2)),
                         np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64), np.array(ts, dtype=float),
                         np.array(ls, dtype=float), np.array(ctl, dtype=bool), geoms)


def arrays_from_graph(G):
    """The same arrays from a networkx graph in memory (a download, a test grid, the plan scenario)."""
    pos = {n: i for i, n in enumerate(G.nodes)}
    node_ids = list(G.nodes)
    xy = np.array([[G.nodes[n]["x"], G.nodes[n]["y"]] for n in node_ids], dtype=float).reshape(-1, 2)
    us, vs, ts, ls, ctl, geoms = [], [], [], [], [], []
    for u, v, d in G.edges(data=True):
        us.append(pos[u])
        vs.append(pos[v])
        ts.append(float(d["travel_time"]))
        ls.append(float(d.get("length", 0.0)))
        ctl.append(is_true(d.get("access_controlled", False)) or first_class(d.get("highway", "")) in ACCESS_CONTROLLED)
        geoms.append(d.get("geometry"))
    return NetworkArrays(dict(G.graph), node_ids, xy, np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64),
                         np.array(ts, dtype=float), np.array(ls, dtype=float), np.array(ctl, dtype=bool), geoms)
