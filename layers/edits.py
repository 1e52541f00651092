"""Edits made in QGIS: recorded in the GeoPackage, carried through rebuilds, and checked.

GIS staff edit the editable layers (structures, parcels, project sites) in QGIS. Three things make
that safe:

* **History inside the file.** :func:`install_history` adds a ``history`` table and SQLite triggers
  on the editable layers, so every insert, update and delete is recorded whoever writes it — QGIS,
  GDAL, a script. The trigger bodies use only core SQLite (``json_group_object``, ``hex``,
  ``substr``), because GeoPackage's ``ST_*`` functions exist only inside GDAL/QGIS connections.
  Geometry is stored as hex WKB (the GeoPackage header is cut off in SQL). SQLite does not know who
  is connected, so the history records when and what, not who.
* **Edits win over the rebuild.** ``planmap build`` regenerates every layer from the plan texts and
  recipes. Before that, :func:`read_edits` reads from the old file the current rows of every feature
  the history says was edited (keyed by the feature's own id, e.g. ``structures.id`` or
  ``parcels.parcel_id``, because fids change on every build); :func:`apply_edits` puts the edited
  fields and geometries over the rebuilt features, keeps deleted features deleted and inserted ones
  in, and reports each recipe feature it overrides; :func:`carry_history` copies the history into
  the new file, so the edits keep winning in every later build. To give a feature back to its
  recipe, delete its rows from ``history``.
* **Edits are checked.** :func:`edit_problems` lists edited features that break ``planmap check``'s
  rules (invalid or empty geometry, outside EPSG:4549's area, duplicate parcel code) and the rules
  check cannot see per feature (a required field left empty, a duplicate feature id).
* **A bad edit never takes the others down.** :func:`read_edits` refuses, one by one, the edits a
  build cannot use — a shape that is NULL, empty, invalid, of the wrong type or off the CRS (the
  recipe's shape is kept), a feature left without its key or given another feature's key (it keeps
  its key, or an added one is not added), a parcel code emptied or taken from another parcel of its
  plan (the recipe's code is kept) — and folds the history again without them, so the rest of that
  feature's edits and every other feature's still win. The build names each refusal (layer,
  feature, fid, field, what is wrong, what it does instead) and records it in the new file's
  history as a ``build`` row (:func:`record_refusals`): later builds set those rows aside too, and
  QGIS shows why. An edit of the same field made afterwards is a new edit and is judged afresh.
"""

import json
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from .check import check_file
from .schema import LAYERS
from .gpkg import read_layer

#: The layers GIS staff edit, with the column that identifies a feature across rebuilds.
EDITABLE = {"structures": "id", "structure_lines": "id", "structure_points": "id",
            "parcels": "parcel_id", "project_sites": "project_id", "planned_links": "id"}

#: Columns the build computes with and cannot take empty: an edit that empties one is not applied.
NEEDED = {"project_sites": {"in_rollup": "the computed value is kept"}}

GEOM = "geom"                   # the geometry column in the GeoPackage (and in the history's JSON)
GEOMETRY = "geometry"           # its name in edit frames and in reports
#: Columns measured from the geometry: recomputed when an edit changed the geometry but not them.
MEASURES = {"area_km2": lambda g: g.area / 1e6, "area_m2": lambda g: g.area,
            "length_km": lambda g: g.length / 1e3}

_HISTORY_DDL = """CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    layer TEXT NOT NULL,
    fid INTEGER,
    feature TEXT,
    action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'build')),
    old_values TEXT,
    new_values TEXT)"""
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


# ------------------------------------------------------------------------------ history table ----

def install_history(gpkg_path, layers=EDITABLE):
    """Create ``history`` and the triggers that fill it; switch the file to WAL mode.

    ``layers`` maps layer → feature-key column. Idempotent: the triggers are dropped and recreated
    from the layer's current columns, history rows are kept. Run it after the last write to the
    layers (the build's own writes are not edits). Returns the layers that got triggers.
    """
    done = []
    with closing(sqlite3.connect(gpkg_path)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(_HISTORY_DDL)
        db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description,"
                   f" last_change) VALUES ('history', 'attributes', '编辑历史 Edit history',"
                   f" '可编辑图层的每次新增、修改、删除（触发器记录） every edit to the editable layers', {_NOW})")
        for layer, key in layers.items():
            cols = [r[1] for r in db.execute(f'PRAGMA table_info("{layer}")')]
            if not cols:
                continue
            for sql in _trigger_sql(layer, key, [c for c in cols if c != "fid"]):
                db.execute(sql)
            done.append(layer)
        db.commit()
    return done


def _wkb_hex(ref):
    """SQL: the hex WKB inside a GeoPackage geometry blob (header of 8 bytes + envelope cut off)."""
    flags = f"instr('0123456789ABCDEF', substr(hex(substr({ref}, 4, 1)), 2, 1)) - 1"
    envelope = f"CASE (({flags}) >> 1) & 7 WHEN 1 THEN 32 WHEN 2 THEN 48 WHEN 3 THEN 48 WHEN 4 THEN 64 ELSE 0 END"
    return f"CASE WHEN {ref} IS NULL THEN NULL ELSE hex(substr({ref}, 9 + {envelope})) END"


def _value(prefix, col):
    ref = f'{prefix}."{col}"'
    return _wkb_hex(ref) if col == GEOM else ref


def _trigger_sql(layer, key, cols):
    def as_json(prefix):
        parts = " UNION ALL ".join(f"SELECT '{c}' AS k, {_value(prefix, c)} AS v" for c in cols)
        return f"(SELECT json_group_object(k, v) FROM ({parts}))"

    changed = " UNION ALL ".join(
        f"SELECT '{c}' AS k, {_value('OLD', c)} AS o, {_value('NEW', c)} AS n"
        f' WHERE OLD."{c}" IS NOT NEW."{c}"' for c in cols)
    any_changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in cols)
    insert = "INSERT INTO history (at, layer, fid, feature, action, old_values, new_values)"
    name = f"history_{layer}"
    return [
        f'DROP TRIGGER IF EXISTS "{name}_insert"',
        f'DROP TRIGGER IF EXISTS "{name}_update"',
        f'DROP TRIGGER IF EXISTS "{name}_delete"',
        f'CREATE TRIGGER "{name}_insert" AFTER INSERT ON "{layer}" BEGIN {insert} '
        f"VALUES ({_NOW}, '{layer}', NEW.fid, NEW.\"{key}\", 'insert', NULL, {as_json('NEW')}); END",
        f'CREATE TRIGGER "{name}_update" AFTER UPDATE ON "{layer}" WHEN {any_changed} BEGIN {insert} '
        f"SELECT {_NOW}, '{layer}', NEW.fid, NEW.\"{key}\", 'update', json_group_object(k, o), "
        f"json_group_object(k, n) FROM ({changed}); END",
        f'CREATE TRIGGER "{name}_delete" AFTER DELETE ON "{layer}" BEGIN {insert} '
        f"VALUES ({_NOW}, '{layer}', OLD.fid, OLD.\"{key}\", 'delete', {as_json('OLD')}, NULL); END",
    ]


def history(gpkg_path):
    """The history rows, oldest first, as a DataFrame (empty when the file has no history)."""
    cols = ["id", "at", "layer", "fid", "feature", "action", "old_values", "new_values"]
    if not Path(gpkg_path).exists():
        return pd.DataFrame(columns=cols)
    with closing(sqlite3.connect(f"file:{gpkg_path}?mode=ro", uri=True)) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'history'").fetchone():
            return pd.DataFrame(columns=cols)
        rows = db.execute(f"SELECT {', '.join(cols)} FROM history ORDER BY id").fetchall()
    return pd.DataFrame(rows, columns=cols)


def carry_history(old_gpkg, new_gpkg):
    """Copy the old file's history rows into the new file (ids kept, so repeating it adds nothing).

    ``history.fid`` stays the fid the feature had in the file that was edited; ``feature`` (the
    key) is what identifies it across builds. Returns the number of rows copied.
    """
    rows = history(old_gpkg)
    with closing(sqlite3.connect(new_gpkg)) as db:
        db.execute(_HISTORY_DDL)
        before = db.total_changes
        db.executemany("INSERT OR IGNORE INTO history (id, at, layer, fid, feature, action, old_values, new_values)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [tuple(None if pd.isna(v) else v for v in r) for r in rows.itertuples(index=False)])
        copied = db.total_changes - before
        db.commit()
    return copied


# ------------------------------------------------------------------------ edits over rebuilds ----

#: A refusal that sets a whole history row aside (an insertion, a rename), not one of its fields.
WHOLE = "*"


def _blank(value):
    """No value: NULL, NaN or blank text (a key or code an editor emptied)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _json(text):
    """A history row's values; {} when there are none, or when someone edited them into something
    that is not a JSON object (the history table is a layer QGIS shows: :func:`_unreadable_rows`)."""
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _unreadable_rows(rows, layers):
    """History rows of the editable layers whose values are not what the triggers write (edited by
    hand): each is named and ignored, as if it had not been written."""
    out = []
    for r in rows.itertuples(index=False):
        if r.layer not in layers:
            continue
        bad = [name for name, text in (("old_values", r.old_values), ("new_values", r.new_values))
               if isinstance(text, str) and text and not _json(text)]
        if bad or r.action not in ("insert", "update", "delete"):
            what = f"action {r.action!r}" if r.action not in ("insert", "update", "delete") else " and ".join(bad)
            out.append(Refusal(r.layer, None if _blank(r.feature) else r.feature, _fid(r.fid), WHOLE,
                               f"history row {int(r.id)}", f"its {what} are not what the history triggers write",
                               "the row is ignored", "history", r.at, (int(r.id),)))
    return out


@dataclass
class Refusal:
    """An edit the build does not apply, and why: one line of the build's output and of ``planmap check``.

    ``feature`` is the feature's key (None when the editor left it without one), ``fid`` its fid in the
    edited file, ``field`` the column (``geometry`` for the shape, :data:`WHOLE` for the whole
    feature), ``what`` what the editor did, ``reason`` what is wrong with it, ``outcome`` what the
    build does instead, ``rows`` the history rows it sets aside (recorded in the new file's history,
    so later builds set them aside too).
    """
    layer: str
    feature: object
    fid: object
    field: str
    what: str
    reason: str
    outcome: str
    kind: str                       # geometry, code, key, value, history or error (check_file reports
                                    # geometry and code problems too: edit_problems lists those once)
    at: str = ""
    rows: tuple = ()
    sets_aside: tuple = (WHOLE,)    # what of each row is set aside: its whole, or these columns
    was: object = None              # the key the feature had before a refused rename or emptying

    def __str__(self):
        who = (f"{self.layer} {self.feature}" if not _blank(self.feature)
               else f"{self.layer} feature without {EDITABLE.get(self.layer, 'key')}")
        fid = f" (fid {self.fid})" if self.fid is not None else ""
        when = f" {_short_time(self.at)}" if self.at else ""
        return f"{who}{fid}: {self.what}{when} — not applied: {self.reason}; {self.outcome}"


class Edits(dict):
    """What :func:`read_edits` returns: ``{layer: GeoDataFrame}`` of the edits to apply, plus
    ``refused`` (the :class:`Refusal` of each edit that breaks a rule, newly found) and ``set_aside``
    (history rows that earlier builds refused, still set aside)."""

    def __init__(self, frames=(), refused=(), set_aside=()):
        super().__init__(frames)
        self.refused = list(refused)
        self.set_aside = sorted(set_aside)


@dataclass
class _State:
    """The net edit of one feature: ``delete`` (gone), ``insert`` (the whole row is the editor's —
    added, or its key renamed to this) or ``update`` (``fields`` changed)."""
    action: str
    at: str
    fid: object
    fields: set = field(default_factory=set)
    rows: list = field(default_factory=list)         # history ids that make this state
    field_rows: dict = field(default_factory=dict)   # field → history ids that changed it
    renamed_from: object = None


def _fid(value):
    return None if _blank(value) else int(value)


def _edit_states(rows, layers, refused=None):
    """Fold the history, oldest first, into each edited feature's net edit, skipping what ``refused``
    (history id → set of fields, or {WHOLE}) sets aside.

    Returns ``(states, keyless, arrivals)``: ``{layer: {key: _State}}``; the rows of features left
    without a key, in order; and ``(layer, key, fid, history id)`` of each insertion or rename that
    gave a feature its key.
    """
    refused = refused or {}
    states, keyless, arrivals = {}, [], []
    emptied = {}        # (layer, fid) → the key a feature had before an editor emptied it
    for r in rows.itertuples(index=False):
        if r.layer not in layers:
            continue
        skip = refused.get(int(r.id), ())
        if WHOLE in skip:
            continue
        key_col = layers[r.layer]
        new, old = _json(r.new_values), _json(r.old_values)
        for f in skip:
            new.pop(f, None)
            old.pop(f, None)
        if r.action == "update" and not new:
            continue
        rid, fid = int(r.id), _fid(r.fid)
        if _blank(r.feature):                    # refused below, unless a later row gives it a key
            keyless.append(r)
            if r.action == "update" and key_col in new and not _blank(old.get(key_col)):
                emptied[(r.layer, fid)] = old[key_col]
            continue
        k = r.feature
        layer = states.setdefault(r.layer, {})
        if r.action == "delete":
            layer[k] = _State("delete", r.at, fid, rows=[rid])
        elif r.action == "insert":
            layer[k] = _State("insert", r.at, fid, set(new), [rid], {f: [rid] for f in new})
            arrivals.append((r.layer, k, fid, rid))
        elif key_col in new:        # the key itself changed: the old feature is gone, the new one is the editor's
            was = old.get(key_col)
            if _blank(was):         # a key given back to a feature an editor had left without one
                was = emptied.pop((r.layer, fid), None)
            if not _blank(was):
                layer[was] = _State("delete", r.at, fid, rows=[rid])
            layer[k] = _State("insert", r.at, fid, set(new), [rid], {f: [rid] for f in new}, renamed_from=was)
            arrivals.append((r.layer, k, fid, rid))
        else:
            state = layer.setdefault(k, _State("update", r.at, fid))
            if state.action == "delete":      # an update after a delete cannot happen; be safe
                state.action = "insert"
            state.at, state.fid = r.at, fid
            state.rows.append(rid)
            state.fields |= set(new)
            for f in new:
                state.field_rows.setdefault(f, []).append(rid)
    return states, keyless, arrivals


def _refused_before(rows):
    """``{history id: fields}`` that earlier builds refused (their ``build`` rows in the history)."""
    out = {}
    for text in rows.loc[rows["action"] == "build", "new_values"]:
        items = _json(text).get("refused", [])
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            fields = item.get("sets_aside", [WHOLE])
            fields = [f for f in fields if isinstance(f, str)] if isinstance(fields, list) else [WHOLE]
            for rid in item.get("rows", []) if isinstance(item.get("rows"), list) else []:
                if isinstance(rid, int):
                    out.setdefault(rid, set()).update(fields or [WHOLE])
    return out


def _sql_field(f):
    return GEOM if f == GEOMETRY else f


def _keyless_refusals(keyless, rows, layers):
    """The edits of features left without a key, one refusal per feature (grouped by fid), except a
    feature that a later history row gives a key again (that row carries the edit)."""
    out = []
    by_feature = {}
    for r in keyless:
        by_feature.setdefault((r.layer, _fid(r.fid)), []).append(r)
    for (layer, fid), group in by_feature.items():
        key = layers[layer]
        last = int(group[-1].id)
        later = rows[(rows["layer"] == layer) & (rows["id"] > last) & (rows["action"] == "update")]
        if fid is not None and any(_fid(f) == fid and not _blank(feat) and key in _json(nv)
                                   for f, feat, nv in zip(later["fid"], later["feature"], later["new_values"])):
            continue
        first = group[0]
        new, old = _json(first.new_values), _json(first.old_values)
        extra = f", and {len(group) - 1} later edit(s) of it are set aside" if len(group) > 1 else ""
        if first.action == "insert":
            out.append(Refusal(layer, None, fid, WHOLE, "added", f"{key} is empty (NULL)",
                               f"it is not added — give it a unique {key} in QGIS; its values stay in the "
                               f"history table{extra}", "key", first.at, tuple(int(r.id) for r in group)))
        elif first.action == "update" and key in new and not _blank(old.get(key)):
            was = old[key]
            out.append(Refusal(layer, was, fid, key, f"{key} emptied", f"{key} is empty (NULL)",
                               f"the feature keeps {key} {was}{extra}", "key", first.at,
                               tuple(int(r.id) for r in group), was=was))
        else:
            out.append(Refusal(layer, None, fid, WHOLE, f"{first.action}d", f"the feature has no {key}",
                               f"edits are kept by {key}, so this one cannot be{extra}", "key", first.at,
                               tuple(int(r.id) for r in group)))
    return out


def _duplicate_key_refusals(layer, key, states, arrivals, current, rows):
    """A key an insertion or a rename gave to a second feature: the feature that had it keeps it;
    the newcomer's insertion or rename, and its later edits, are refused (when every holder is a
    newcomer, the first keeps it)."""
    out = []
    counts = current[key].value_counts()
    for k, st in states.items():
        if st.action == "delete" or counts.get(k, 0) < 2:
            continue
        holders = [int(f) for f in current.loc[current[key] == k, "fid"]]
        came = {}
        for lay, kk, fid, rid in arrivals:
            if lay == layer and kk == k and fid in holders:
                came[fid] = max(rid, came.get(fid, rid))
        if not came:
            continue
        if len(came) < len(holders):
            losers = sorted(came)
        else:
            first = min(came, key=came.get)
            losers = sorted(f for f in came if f != first)
        for fid in losers:
            rid = came[fid]
            mine = rows[(rows["layer"] == layer) & (rows["id"] >= rid) & (rows["feature"] == k)
                        & (rows["fid"] == fid)]
            arrival = rows[rows["id"] == rid].iloc[0]
            was = _json(arrival["old_values"]).get(key) if arrival["action"] == "update" else None
            others = ", ".join(str(f) for f in holders if f != fid)
            what = f"renamed from {was}" if not _blank(was) else "added"
            extra = f", and {len(mine) - 1} later edit(s) of it are set aside" if len(mine) > 1 else ""
            outcome = (f"it keeps {key} {was}{extra}" if not _blank(was)
                       else f"it is not added — give it a unique {key} in QGIS; its values stay in the history table{extra}")
            out.append(Refusal(layer, k, fid, key if not _blank(was) else WHOLE, what,
                               f"{key} {k} is used by {len(holders)} features (fid {others} had it first)",
                               outcome, "key", arrival["at"], tuple(int(i) for i in mine["id"]),
                               was=None if _blank(was) else was))
    return out


def geometry_problem(layer, geom):
    """What is wrong with ``geom`` as a feature of ``layer`` (None when nothing is): no geometry, an
    empty or invalid one, one of the wrong type, one outside EPSG:4549's area of use."""
    import shapely

    from .crs import PLAN_CRS, outside_plan_crs_area

    if geom is None or (isinstance(geom, float) and pd.isna(geom)):
        return "no geometry (NULL)"
    if geom.is_empty:
        return "empty geometry"
    want = LAYERS[layer].geometry_type or ""
    family = want.replace("Multi", "")
    if family and geom.geom_type not in (want, family):
        return f"a {geom.geom_type} in a {want} layer"
    if not geom.is_valid:
        return f"invalid geometry ({shapely.is_valid_reason(geom)})"
    lonlat = gpd.GeoSeries([geom], crs=PLAN_CRS).to_crs("EPSG:4326").values
    if outside_plan_crs_area(lonlat)[0]:
        return "lies outside EPSG:4549's area of use (a wrong CRS, or misplaced coordinates)"
    return None


def _value_refusals(layer, key, states, values):
    """Edited values the build cannot use: a shape that is missing, empty, invalid, of the wrong type
    or off the CRS; a parcel code emptied; a parcel code another parcel of the plan has."""
    from .codes import normalise

    out = []
    kept = "the computed location is kept" if layer == "project_sites" else "the recipe's shape is kept"
    for k, st in states.items():
        if st.action == "delete" or k not in values:
            continue
        row = values[k]
        whole = st.action == "insert"
        if whole or GEOM in st.fields:
            wrong = geometry_problem(layer, row.get(GEOMETRY))
            if wrong:
                out.append(Refusal(layer, k, st.fid, WHOLE if whole else GEOMETRY,
                                   "added" if whole else "geometry edited", wrong,
                                   "it is not added; its values stay in the history table" if whole else kept,
                                   "geometry", st.at, tuple(st.rows if whole else st.field_rows[GEOM]),
                                   (WHOLE,) if whole else (GEOM,)))
                continue
        for col, outcome in NEEDED.get(layer, {}).items():
            if st.action == "update" and col in st.fields and _blank(row.get(col)):
                out.append(Refusal(layer, k, st.fid, col, f"{col} edited", f"{col} is empty (NULL)", outcome,
                                   "value", st.at, tuple(st.field_rows[col]), (col,)))
        if layer == "parcels" and (whole or "code" in st.fields):
            code = row.get("code")
            if _blank(code) or not normalise(str(code)):
                out.append(Refusal(layer, k, st.fid, WHOLE if whole else "code", "added" if whole else "code edited",
                                   "code is empty (NULL)" if _blank(code) else f"code {code!r} is not a parcel code",
                                   "it is not added; its values stay in the history table" if whole
                                   else "the recipe's code is kept", "code", st.at,
                                   tuple(st.rows if whole else st.field_rows["code"]), (WHOLE,) if whole else ("code",)))
    return out


def _code_clashes(states, values, current, refusals=()):
    """Parcels whose edited code (or plan) another parcel of the same plan already has: the parcel
    that had the code keeps it; when both were edited to it, the earlier edit keeps it."""
    from .codes import normalise

    def norm(c):
        return None if _blank(c) else normalise(str(c))

    edited = {}
    for k, st in states.items():
        if st.action != "delete" and k in values and (st.action == "insert" or {"code", "plan"} & st.fields):
            edited[k] = st
    if not edited:
        return []
    # a parcel whose code edit is refused gets its code back from before the edit: the code_norm the
    # last build derived, which the edit left as it was
    back = {r.feature for r in refusals if r.layer == "parcels" and r.kind == "code"}
    holders = {}
    for fid, k, plan, code, code_norm in zip(current["fid"], current["parcel_id"], current["plan"],
                                             current["code"], current["code_norm"]):
        if k in states and states[k].action == "delete":
            continue
        if k in edited:
            plan, code = values[k].get("plan"), values[k].get("code")
        elif k in back:
            code = code_norm
        if norm(code):
            holders.setdefault((str(plan), norm(code)), []).append((k, int(fid)))
    out = []
    for (plan, code), group in holders.items():
        if len({k for k, _ in group}) < 2:
            continue
        newcomers = sorted({k for k, _ in group if k in edited}, key=lambda k: edited[k].at)
        first = [k for k, _ in group if k not in edited] or newcomers[:1]
        for k in newcomers:
            if k in first:
                continue
            st = edited[k]
            whole = st.action == "insert"
            other = ", ".join(f"{o} (fid {f})" for o, f in group if o != k)
            fields = [f for f in ("code", "plan") if f in st.field_rows]
            ids = st.rows if whole else sorted({i for f in fields for i in st.field_rows[f]})
            out.append(Refusal("parcels", k, st.fid, WHOLE if whole else "code", "added" if whole else
                               f"{' and '.join(fields)} edited", f"code {code} is already used in plan {plan} by "
                               f"parcel {other}", "it is not added; its values stay in the history table" if whole
                               else f"the recipe's {' and '.join(fields)} is kept", "code", st.at, tuple(ids),
                               (WHOLE,) if whole else tuple(fields)))
    return out


def read_edits(old_gpkg_path, layers=EDITABLE):
    """The edited features of ``old_gpkg_path`` as they are now: an :class:`Edits` ``{layer: GeoDataFrame}``.

    Each frame is indexed by the feature key and holds the layer's columns and geometry as the
    editor left them, plus ``edit_action`` (insert/update/delete), ``edit_at`` (last edit, UTC),
    ``edit_fields`` (the columns edited, ``geometry`` for the shape) and ``fid`` (its fid in that
    file). Deleted features have only the key and the edit columns. {} when there is no history.

    Edits that break a rule are not in the frames but in ``.refused``, each a :class:`Refusal`: a
    feature left without a key, a key a second feature took, a shape that is missing, empty, invalid,
    of the wrong type or off the CRS, a parcel code emptied or taken from another parcel of the plan.
    The rest of that feature's edits, and every other feature's, still apply: the history is folded
    again without the refused rows. A refused field falls back to what the feature was before it
    (the recipe's value, or the editor's earlier edit of another field); a refused insertion is not
    added; a refused rename leaves the old key. History rows that earlier builds refused (their
    ``build`` rows) stay set aside (``.set_aside``).
    """
    rows = history(old_gpkg_path)
    before = _refused_before(rows)
    refused = {rid: set(fields) for rid, fields in before.items()}
    found = [r for r in _unreadable_rows(rows, layers) if WHOLE not in refused.get(r.rows[0], ())]
    for r in found:
        refused[r.rows[0]] = {WHOLE}
    current_by_layer = {}
    for _ in range(8):          # each round sets rows aside and folds again; a few rounds settle it
        states, keyless, arrivals = _edit_states(rows, layers, refused)
        new = _keyless_refusals(keyless, rows, layers)
        values_by_layer = {}
        for layer, edited in states.items():
            key = layers[layer]
            if layer not in current_by_layer:
                current_by_layer[layer] = read_layer(old_gpkg_path, layer, fid_as_index=True).reset_index(names="fid")
            current = current_by_layer[layer]
            new += _duplicate_key_refusals(layer, key, edited, arrivals, current, rows)
            values_by_layer[layer] = values = _current_values(layer, key, edited, current, found + new)
            new += _value_refusals(layer, key, edited, values)
            if layer == "parcels":
                new += _code_clashes(edited, values, current, found + new)
        fresh = [r for r in new if any(not ({WHOLE, *r.sets_aside} & refused.get(i, set())) for i in r.rows)]
        if not fresh:
            break
        for r in fresh:
            for i in r.rows:
                refused.setdefault(i, set()).update(r.sets_aside)
        found += fresh
    out = {}
    for layer, edited in states.items():
        key = layers[layer]
        current = current_by_layer[layer]
        values = values_by_layer[layer]
        frame_rows = []
        for k, st in edited.items():
            fields = tuple(sorted(GEOMETRY if f == GEOM else f for f in st.fields))
            action = st.action
            if action != "delete" and k not in values:
                action = "delete"      # gone from the file without a trace: treat as deleted
            row = values[k] if action != "delete" else {key: k, GEOMETRY: None}
            frame_rows.append({**row, "edit_action": action, "edit_at": st.at, "edit_fields": fields})
        frame = pd.DataFrame(frame_rows, index=pd.Index([r[key] for r in frame_rows]))
        out[layer] = gpd.GeoDataFrame(frame, geometry=GEOMETRY, crs=current.crs)
    return Edits(out, found, before)


def _current_values(layer, key, states, current, refusals):
    """``{key: row dict}``: each edited feature's row in the file. A feature whose key a refused edit
    took away (emptied, or renamed to another feature's key) is found by its fid and gets its key back."""
    lost = {}
    taken = set()
    for r in refusals:
        if r.layer == layer and r.kind == "key" and r.fid is not None:
            taken.add(r.fid)
            if not _blank(r.was):
                lost[r.was] = r.fid
    mine = current[~current["fid"].isin(taken) & current[key].isin(list(states))]
    mine = mine.drop_duplicates(key, keep="last")
    values = {k: row for k, row in zip(mine[key], mine.to_dict("records"))}
    for k, fid in lost.items():
        if k in states and states[k].action != "delete" and k not in values:
            hit = current[current["fid"] == fid]
            if len(hit):
                values[k] = {**hit.iloc[0].to_dict(), key: k}
    return values


def apply_edits(frames, edits, layers=EDITABLE, refused=None):
    """Put ``edits`` (from :func:`read_edits`) over the rebuilt ``frames``; returns (frames, report).

    Only layers present in ``frames`` are touched, so the build may call this once on the
    structures and parcels (before the joins) and again on the project sites. An update replaces
    only the fields and geometry the editor changed (measures such as ``area_km2`` follow an edited
    geometry); a deletion removes the recipe's feature; an insertion is kept, replacing a recipe
    feature with the same key. ``report`` has one line per recipe feature an edit overrides, and
    one per feature only the editor has.

    One feature's edit never stops the others: an edit that cannot be applied (an exception while
    applying it, or a parcel code the rebuilt recipes now give another parcel of its plan) is left
    out and described by a :class:`Refusal` appended to ``refused`` (a list; its line goes into
    ``report`` when no list is given).
    """
    out = dict(frames)
    report = []
    problems = [] if refused is None else refused
    for layer, edited in edits.items():
        if layer not in frames or edited.empty:
            continue
        key = layers[layer]
        frame = frames[layer].copy()
        gcol = frame.geometry.name
        for k, ed in edited.iterrows():
            before = frame
            try:
                frame = _apply_one(layer, key, frame, gcol, k, ed, report)
            except Exception as exc:          # noqa: BLE001 — one bad feature must not take the others down
                frame = before
                problems.append(Refusal(layer, k, _fid(ed.get("fid")), WHOLE,
                                        {"insert": "added", "update": "edited"}.get(ed["edit_action"], "deleted"),
                                        f"the build could not apply it ({type(exc).__name__}: {exc})",
                                        "the rebuilt feature is kept", "error", ed["edit_at"]))
        if layer == "parcels":
            frame = _undo_code_clashes(frame, frames[layer], edited, key, problems, report)
        out[layer] = gpd.GeoDataFrame(frame, geometry=gcol, crs=frames[layer].crs)
    if refused is None:
        report.extend(str(p) for p in problems)
    return out, report


def _apply_one(layer, key, frame, gcol, k, ed, report):
    """``frame`` with the edit ``ed`` of feature ``k`` applied (a new frame, or ``frame`` changed in place)."""
    hit = frame.index[frame[key] == k]
    when = _short_time(ed["edit_at"])
    if ed["edit_action"] == "delete":
        if len(hit):
            report.append(f"{layer} {k}: deleted {when} ({_origin(layer, frame.loc[hit[0]])})"
                          " — stays deleted")
            frame = frame.drop(hit)
        return frame
    if ed["edit_action"] == "update" and len(hit):
        i = hit[0]
        origin = _origin(layer, frame.loc[i])
        fields = [f for f in ed["edit_fields"] if f == GEOMETRY or f in frame.columns]
        frame = frame.copy()
        for f in fields:
            _set(frame, i, gcol if f == GEOMETRY else f, ed[GEOMETRY if f == GEOMETRY else f])
        if GEOMETRY in fields and frame.at[i, gcol] is not None:
            for col, measure in MEASURES.items():
                if col in frame.columns and col not in fields and pd.notna(frame.at[i, col]):
                    _set(frame, i, col, measure(frame.at[i, gcol]))
        report.append(f"{layer} {k}: {', '.join(fields)} edited {when} ({origin}) — edit kept")
        return frame
    # the whole row is the editor's: an insertion, or an edited feature the recipe no longer makes
    row = {c: ed[c] if c in ed.index else None for c in frame.columns if c != gcol}
    new = gpd.GeoDataFrame([row], geometry=[ed[GEOMETRY]], crs=frame.crs).rename_geometry(gcol) \
        if gcol != GEOMETRY else gpd.GeoDataFrame([row], geometry=[ed[GEOMETRY]], crs=frame.crs)
    if len(hit):
        report.append(f"{layer} {k}: added {when}, replaces the recipe's feature "
                      f"({_origin(layer, frame.loc[hit[0]])}) — edit kept")
        frame = frame.drop(hit)
    elif ed["edit_action"] == "insert":
        report.append(f"{layer} {k}: added {when}, not in the recipes — kept")
    else:
        report.append(f"{layer} {k}: edited {when}; the recipes no longer make it — edited feature kept")
    return pd.concat([frame, new[frame.columns]], ignore_index=True)


def _undo_code_clashes(frame, recipe, edited, key, problems, report):
    """Parcels whose edited code another parcel of the same plan has in this build (a code the recipes
    now give a parcel the editor could not see): the edit gives way — the recipe's code and plan come
    back, an added parcel is left out — and is named. :func:`read_edits` settles the clashes it can
    see in the edited file; this is the rest."""
    from .codes import normalise

    def keys(f):
        return f["plan"].astype(str) + ":" + f["code"].map(lambda c: "" if _blank(c) else normalise(str(c)))

    codes = keys(frame)
    clash = codes.duplicated(keep=False) & (codes.str.split(":", n=1).str[1] != "")
    if not clash.any():
        return frame
    live = edited[edited["edit_action"] != "delete"]
    mine = {k for k, ed in live.iterrows()
            if ed["edit_action"] == "insert" or {"code", "plan"} & set(ed["edit_fields"])}
    frame = frame.copy()
    recipe_by_key = recipe.set_index(key)
    for code in sorted(set(codes[clash])):
        group = frame.index[codes == code]
        newcomers = sorted((k for k in frame.loc[group, key] if k in mine), key=lambda k: live.at[k, "edit_at"])
        stay = [k for k in frame.loc[group, key] if k not in mine] or newcomers[:1]
        for k in newcomers:
            if k in stay:
                continue
            i = frame.index[frame[key] == k][0]
            ed = live.loc[k]
            others = ", ".join(str(o) for o in frame.loc[group, key] if o != k)
            reason = f"code {code.split(':', 1)[1]} is also given to parcel {others} of plan {code.split(':', 1)[0]}"
            if k in recipe_by_key.index and ed["edit_action"] != "insert":
                for col in ("code", "plan"):
                    _set(frame, i, col, recipe_by_key.at[k, col])
                outcome = "the recipe's code and plan are kept (and its other edits)"
            else:
                frame = frame.drop(i)
                outcome = "it is not added; its values stay in the history table"
            report[:] = [line for line in report if not line.startswith(f"parcels {k}: ")]
            problems.append(Refusal("parcels", k, _fid(ed.get("fid")), "code", "code edited", reason, outcome,
                                    "code", ed["edit_at"]))
    return frame


def _set(frame, i, col, value):
    """frame.at[i, col] = value, widening the column when the value does not fit its dtype."""
    if isinstance(value, float) and pd.isna(value):
        value = None
    try:
        frame.at[i, col] = value
    except (TypeError, ValueError):
        frame[col] = frame[col].astype(object)
        frame.at[i, col] = value


def _short_time(at):
    """'2026-11-22T20:30:12.345Z' → '2026-11-22T20:30Z'."""
    return at[:16] + "Z" if isinstance(at, str) and len(at) >= 16 else str(at)


def _origin(layer, row):
    """Where the rebuilt feature came from, for the report."""
    if "recipe" in row.index and isinstance(row["recipe"], str) and row["recipe"]:
        return f"recipe {row['recipe']}"
    parts = []
    if "plan" in row.index and "source_line" in row.index and pd.notna(row["source_line"]):
        parts.append(f"plan {row['plan']} line {int(row['source_line'])}")
    if "placed_by" in row.index and isinstance(row["placed_by"], str):
        parts.append(f"placed by {row['placed_by']}")
    return ", ".join(parts) or "rebuilt"




def record_refusals(gpkg_path, refusals):
    """Add one ``build`` row to the history of ``gpkg_path`` listing ``refusals`` (their history rows
    and why), so that every later build sets those rows aside too and the editor can read why in
    QGIS (the history table). Returns the number of refusals recorded (0: no row added)."""
    items = [{"layer": r.layer, "feature": None if _blank(r.feature) else str(r.feature), "fid": r.fid,
              "field": r.field, "what": r.what, "reason": r.reason, "outcome": r.outcome,
              "rows": list(r.rows), "sets_aside": list(r.sets_aside)} for r in refusals if r.rows]
    if not items:
        return 0
    with closing(sqlite3.connect(gpkg_path)) as db:
        db.execute(_HISTORY_DDL)
        db.execute("INSERT INTO history (at, layer, fid, feature, action, old_values, new_values) "
                   f"VALUES ({_NOW}, 'planmap build', NULL, NULL, 'build', NULL, ?)",
                   (json.dumps({"refused": items}, ensure_ascii=False),))
        db.commit()
    return len(items)


# ----------------------------------------------------------------------------- edit problems ----

@dataclass
class EditProblem:
    """An edited feature that breaks a rule: which layer and feature, and why."""
    layer: str
    feature: str
    fid: int
    reason: str
    edited_at: str = ""

    def __str__(self):
        who = (f"feature {self.feature}" if not _blank(self.feature)
               else f"feature without {EDITABLE.get(self.layer, 'key')}")
        return f"{self.layer}: {who} (fid {self.fid}, edited {self.edited_at}): {self.reason}"


_FEATURE_LINE = re.compile(r"^(?P<layer>\w+): feature fid (?P<fid>\d+)(?: \(.*?\))?: (?P<reason>.*)$")
_DUPLICATE_LINE = re.compile(r"^(?P<layer>\w+): duplicate parcel code (?P<code>\S+) in features (?P<fids>[\d, ]+)$")


def _topic(reason):
    """What a problem is about, so one problem is not listed twice (by check_file and by a refusal)."""
    if "code" in reason:
        return "code"
    if "geometry" in reason or "outside" in reason:
        return "geometry"
    return "other"


def edit_problems(gpkg_path, layers=EDITABLE):
    """The edits in ``gpkg_path`` that break the rules, as :class:`EditProblem` objects.

    The geometry, area-of-use and parcel-code rules are ``layers.check``'s own (its per-feature
    findings are kept where they name an edited feature; layer-wide ones such as a wrong CRS are
    kept for every edited layer). Added here: required fields left empty, a feature left without its
    key or given a key another feature has — edits are carried through rebuilds by that key, so it
    must be there and unique — and every edit :func:`read_edits` would refuse, each saying what the
    build does instead. An unreadable file has no edits to list (``check_file`` says what is wrong).
    """
    from .gpkg.write import damage

    if damage(gpkg_path):
        return []
    edits = read_edits(gpkg_path, layers)
    live = {layer: ed[ed["edit_action"] != "delete"] for layer, ed in edits.items()}
    by_fid = {(layer, int(row["fid"])): (k, row["edit_at"]) for layer, ed in live.items()
              for k, row in ed.iterrows()}
    for r in edits.refused:
        if r.fid is not None:
            by_fid.setdefault((r.layer, r.fid), (r.feature, r.at))
    code_edited = {(layer, int(row["fid"])) for layer, ed in live.items() for _, row in ed.iterrows()
                   if "code" in row["edit_fields"]} | {(r.layer, r.fid) for r in edits.refused if r.kind == "code"}
    problems, topics = [], set()

    def add(layer, feature, fid, reason, at):
        problems.append(EditProblem(layer, feature, fid, reason, at))
        topics.add((layer, fid, _topic(reason)))

    edited_layers = {layer for layer, _ in by_fid} | set(live)
    for line in check_file(gpkg_path, {name: LAYERS[name] for name in LAYERS if name in edited_layers}):
        m = _FEATURE_LINE.match(line)
        if m:
            fid = int(m["fid"])
            hit = by_fid.get((m["layer"], fid))
            # a code edited in QGIS leaves code_norm behind; the build derives it again: not a problem
            if hit and not (m["reason"].startswith("code_norm ") and (m["layer"], fid) in code_edited):
                add(m["layer"], hit[0], fid, m["reason"], hit[1])
            continue
        m = _DUPLICATE_LINE.match(line)
        if m:
            for fid in (int(f) for f in m["fids"].split(",")):
                hit = by_fid.get((m["layer"], fid))
                if hit:
                    add(m["layer"], hit[0], fid, f"duplicate parcel code {m['code']}", hit[1])
            continue
        layer = line.split(":", 1)[0]
        for k, row in live.get(layer, pd.DataFrame()).iterrows():
            add(layer, k, int(row["fid"]), line.split(": ", 1)[1], row["edit_at"])
    for r in edits.refused:
        topic = {"geometry": "geometry", "code": "code"}.get(r.kind, "other")
        if r.fid is not None and (r.layer, r.fid, topic) in topics and topic != "other":
            continue
        add(r.layer, r.feature, r.fid, f"{r.what}: {r.reason}; a build will not apply it: {r.outcome}", r.at)
    refused_keys = {(r.layer, r.fid) for r in edits.refused if r.kind == "key"}
    for layer, ed in live.items():
        key = layers[layer]
        required = [c for c in LAYERS[layer].required if c in ed.columns]
        for k, row in ed.iterrows():
            fid = int(row["fid"])
            empty = [c for c in required if _blank(row[c])
                     and not (c == "code" and (layer, fid, "code") in topics)]
            if empty:
                add(layer, k, fid, f"required field(s) empty: {', '.join(empty)}", row["edit_at"])
        keys = pyogrio.read_dataframe(gpkg_path, layer=layer, columns=[key], read_geometry=False)[key]
        counts = keys.value_counts()
        for k, row in ed.iterrows():
            if counts.get(k, 0) > 1 and (layer, int(row["fid"])) not in refused_keys:
                add(layer, k, int(row["fid"]), f"{key} {k} is used by {counts[k]} features", row["edit_at"])
    return problems
