"""The plans' travel-time statements (「至温州机场不超过 30 分钟」) against the road network."""

import datetime as _dt

import numpy as np

from ..crs import lonlat_to_plan
from ..errors import AccessError
from .minutes import MAX_MINUTES
from .query import travel_seconds

TARGET_COLUMNS = ["plan", "source_line", "origin", "destination", "minutes_stated", "minutes_computed", "status",
                  "network", "computed_at", "note"]


def load_places(path=None):
    """The places the plans' statements name → WGS-84 points (NaN = not located, ``note`` says why).

    By default the gazetteer (``gazetteer.csv`` in the recipes folder, :func:`layers.gazetteer.travel_view`:
    ``name``, ``plan``, ``lon``, ``lat``, ``accuracy_m``, ``source``, ``note``); ``path`` may name
    another gazetteer, or a plain ``name,lon,lat[,note]`` table (kept as it is, for any plan)."""
    import pandas as pd

    from ..gazetteer import gazetteer_path, load_gazetteer, travel_view

    path = gazetteer_path() if path is None else path
    df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    if "name_zh" in df.columns:
        return travel_view(load_gazetteer(path))
    df["lon"] = pd.to_numeric(df["lon"], errors="coerce")
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce")
    return df


def _targets_frame(targets):
    import pandas as pd
    from dataclasses import asdict, is_dataclass

    if isinstance(targets, pd.DataFrame):
        return targets.reset_index(drop=True)
    return pd.DataFrame([asdict(t) if is_dataclass(t) else dict(t) for t in targets])


def evaluate_targets(travel_targets, network=None, places=None, now=None):
    """One row per travel-time statement of the plans: stated against computed minutes.

    ``travel_targets``: the parsed statements (``ingest(...).travel_targets`` or its DataFrame:
    ``plan, origin, destinations, minutes, mode, source_line, text``). ``network``: an
    :class:`AccessGraph` (from the ring engine, so the times agree with the rings the web and the
    CLI draw) or ``None``. ``places``: the table of :func:`load_places` (by default the gazetteer).

    A statement is computed when its origin and *every* destination are located in ``places`` (a
    statement with several destinations — 「至温州主城区、温州机场、乐清城区、玉环县…不超过 30 分钟」 —
    is met only if the slowest is within the minutes; the note lists each). ``status`` is ``met`` /
    ``missed`` / ``not located`` (a name with no point, or a point off or outside the network) /
    ``network missing``. Rows keep the statements' order; none is dropped.
    """
    import pandas as pd

    df = _targets_frame(travel_targets)
    places = load_places() if places is None else places
    # (plan, name): a name for every plan has plan ""; 规划区 is plan 000's own area only
    where = {(str(r.get("plan", "") or ""), r["name"]): (r["lon"], r["lat"]) for _, r in places.iterrows()
             if np.isfinite(r["lon"]) and np.isfinite(r["lat"])}
    why = {(str(r.get("plan", "") or ""), r["name"]): r.get("note", "") for _, r in places.iterrows()}
    now = now or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    net_name = f"{network.name} ({network.mode}, {network.scenario})" if network is not None else ""
    out = []
    for _, t in df.iterrows():
        dests = [d.strip() for d in str(t["destinations"]).split(";") if d.strip()]
        row = {"plan": t["plan"], "source_line": int(t["source_line"]), "origin": t["origin"],
               "destination": "；".join(dests), "minutes_stated": float(t["minutes"]),
               "minutes_computed": np.nan, "status": "", "network": net_name, "computed_at": now, "note": ""}
        plan = str(t["plan"])
        point = {n: where.get((plan, n), where.get(("", n))) for n in [t["origin"], *dests]}
        missing = [n for n, pt in point.items() if pt is None]
        if missing:
            row["status"] = "not located"
            row["note"] = "; ".join(f"{n}: {why.get((plan, n)) or why.get(('', n)) or 'no entry in gazetteer.csv'}"
                                    for n in missing)
        elif network is None:
            row["status"] = "network missing"
            row["note"] = ("no road network given: fetch one (`planmap network fetch --bbox W,S,E,N --mode drive`) "
                           "and build with `planmap build --network NAME`")
        else:
            try:
                o = lonlat_to_plan(*point[t["origin"]])
                ds = [lonlat_to_plan(*point[d]) for d in dests]
                secs = travel_seconds(network, o, ds)
            except AccessError as exc:
                row["status"] = "not located"
                row["note"] = f"on network {network.name}: {exc}"
            else:
                mins = secs / 60.0
                worst = float(np.max(mins))
                row["minutes_computed"] = round(worst, 1) if np.isfinite(worst) else np.inf
                row["status"] = "met" if worst <= row["minutes_stated"] else "missed"
                row["note"] = "; ".join(f"{d} {m:.1f} min" if np.isfinite(m) else f"{d} not reached in {MAX_MINUTES} min"
                                        for d, m in zip(dests, mins))
                if t.get("mode") not in ("驾车", "步行") and network.mode == "drive":
                    row["note"] += f"; the plan says {t.get('mode')}, computed by road ({network.mode})"
        out.append(row)
    return pd.DataFrame(out, columns=TARGET_COLUMNS)


