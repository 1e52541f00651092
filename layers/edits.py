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
"""

import json
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
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
    action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
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

def _edit_states(rows, layers):
    """Fold the history, oldest first, into each edited feature's net edit.

    Returns ``{layer: {key: {"action", "at", "fields"}}}``: ``delete`` (gone), ``insert`` (the whole
    row is the editor's — added, or its key renamed to this) or ``update`` (``fields`` changed).
    """
    states = {}
    for r in rows.itertuples(index=False):
        if r.layer not in layers or pd.isna(r.feature):    # a feature without a key: edit_problems says so
            continue
        key_col = layers[r.layer]
        layer = states.setdefault(r.layer, {})
        new = json.loads(r.new_values) if isinstance(r.new_values, str) else {}
        old = json.loads(r.old_values) if isinstance(r.old_values, str) else {}
        if r.action == "delete":
            layer[r.feature] = {"action": "delete", "at": r.at, "fields": set()}
        elif r.action == "insert":
            layer[r.feature] = {"action": "insert", "at": r.at, "fields": set(new)}
        elif key_col in new:        # the key itself changed: the old feature is gone, the new one is the editor's
            layer[old.get(key_col)] = {"action": "delete", "at": r.at, "fields": set()}
            layer[new[key_col]] = {"action": "insert", "at": r.at, "fields": set(new)}
        else:
            state = layer.setdefault(r.feature, {"action": "update", "at": r.at, "fields": set()})
            if state["action"] == "delete":      # an update after a delete cannot happen; be safe
                state["action"] = "insert"
            state["at"] = r.at
            state["fields"] |= set(new)
    return states


def read_edits(old_gpkg_path, layers=EDITABLE):
    """The edited features of ``old_gpkg_path`` as they are now: ``{layer: GeoDataFrame}``.

    Each frame is indexed by the feature key and holds the layer's columns and geometry as the
    editor left them, plus ``edit_action`` (insert/update/delete), ``edit_at`` (last edit, UTC),
    ``edit_fields`` (the columns edited, ``geometry`` for the shape) and ``fid`` (its fid in that
    file). Deleted features have only the key and the edit columns. {} when there is no history.
    """
    states = _edit_states(history(old_gpkg_path), layers)
    out = {}
    for layer, edited in states.items():
        key = layers[layer]
        current = read_layer(old_gpkg_path, layer, fid_as_index=True)
        current = current.reset_index(names="fid")
        current = current[current[key].isin(list(edited))].drop_duplicates(key, keep="last")
        current = current.set_index(current[key].rename(None))
        rows = []
        for k, st in edited.items():
            fields = tuple(sorted(GEOMETRY if f == GEOM else f for f in st["fields"]))
            if st["action"] != "delete" and k not in current.index:
                st = {**st, "action": "delete"}   # gone from the file without a trace: treat as deleted
            row = current.loc[k].to_dict() if st["action"] != "delete" else {key: k, GEOMETRY: None}
            rows.append({**row, "edit_action": st["action"], "edit_at": st["at"], "edit_fields": fields})
        frame = pd.DataFrame(rows, index=pd.Index([r[key] for r in rows]))
        out[layer] = gpd.GeoDataFrame(frame, geometry=GEOMETRY, crs=current.crs)
    return out


def apply_edits(frames, edits, layers=EDITABLE):
    """Put ``edits`` (from :func:`read_edits`) over the rebuilt ``frames``; returns (frames, report).

    Only layers present in ``frames`` are touched, so the build may call this once on the
    structures and parcels (before the joins) and again on the project sites. An update replaces
    only the fields and geometry the editor changed (measures such as ``area_km2`` follow an edited
    geometry); a deletion removes the recipe's feature; an insertion is kept, replacing a recipe
    feature with the same key. ``report`` has one line per recipe feature an edit overrides, and
    one per feature only the editor has.
    """
    out = dict(frames)
    report = []
    for layer, edited in edits.items():
        if layer not in frames or edited.empty:
            continue
        key = layers[layer]
        frame = frames[layer].copy()
        gcol = frame.geometry.name
        for k, ed in edited.iterrows():
            hit = frame.index[frame[key] == k]
            when = _short_time(ed["edit_at"])
            if ed["edit_action"] == "delete":
                if len(hit):
                    report.append(f"{layer} {k}: deleted {when} ({_origin(layer, frame.loc[hit[0]])})"
                                  " — stays deleted")
                    frame = frame.drop(hit)
                continue
            if ed["edit_action"] == "update" and len(hit):
                i = hit[0]
                origin = _origin(layer, frame.loc[i])
                fields = [f for f in ed["edit_fields"] if f == GEOMETRY or f in frame.columns]
                for f in fields:
                    _set(frame, i, gcol if f == GEOMETRY else f, ed[GEOMETRY if f == GEOMETRY else f])
                if GEOMETRY in fields:
                    for col, measure in MEASURES.items():
                        if col in frame.columns and col not in fields and pd.notna(frame.at[i, col]):
                            _set(frame, i, col, measure(frame.at[i, gcol]))
                report.append(f"{layer} {k}: {', '.join(fields)} edited {when} ({origin}) — edit kept")
                continue
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
            frame = pd.concat([frame, new[frame.columns]], ignore_index=True)
        out[layer] = gpd.GeoDataFrame(frame, geometry=gcol, crs=frames[layer].crs)
    return out, report


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
        return f"{self.layer}: feature {self.feature} (fid {self.fid}, edited {self.edited_at}): {self.reason}"


_FEATURE_LINE = re.compile(r"^(?P<layer>\w+): feature fid (?P<fid>\d+)(?: \(.*?\))?: (?P<reason>.*)$")
_DUPLICATE_LINE = re.compile(r"^(?P<layer>\w+): duplicate parcel code (?P<code>\S+) in features (?P<fids>[\d, ]+)$")


def edit_problems(gpkg_path, layers=EDITABLE):
    """The edits in ``gpkg_path`` that break the rules, as :class:`EditProblem` objects.

    The geometry, area-of-use and parcel-code rules are ``layers.check``'s own (its per-feature
    findings are kept where they name an edited feature; layer-wide ones such as a wrong CRS are
    kept for every edited layer). Added here: required fields left empty, and a feature key used
    twice — edits are carried through rebuilds by that key, so it must stay unique.
    """
    edits = read_edits(gpkg_path, layers)
    live = {layer: ed[ed["edit_action"] != "delete"] for layer, ed in edits.items()}
    by_fid = {(layer, int(row["fid"])): (k, row["edit_at"]) for layer, ed in live.items()
              for k, row in ed.iterrows()}
    problems = []
    for line in check_file(gpkg_path, {name: LAYERS[name] for name in live}):
        m = _FEATURE_LINE.match(line)
        if m:
            hit = by_fid.get((m["layer"], int(m["fid"])))
            if hit:
                problems.append(EditProblem(m["layer"], hit[0], int(m["fid"]), m["reason"], hit[1]))
            continue
        m = _DUPLICATE_LINE.match(line)
        if m:
            for fid in (int(f) for f in m["fids"].split(",")):
                hit = by_fid.get((m["layer"], fid))
                if hit:
                    problems.append(EditProblem(m["layer"], hit[0], fid,
                                                f"duplicate parcel code {m['code']}", hit[1]))
            continue
        layer = line.split(":", 1)[0]
        for k, row in live.get(layer, pd.DataFrame()).iterrows():
            problems.append(EditProblem(layer, k, int(row["fid"]), line.split(": ", 1)[1], row["edit_at"]))
    for layer, ed in live.items():
        key = layers[layer]
        required = [c for c in LAYERS[layer].required if c in ed.columns]
        for k, row in ed.iterrows():
            empty = [c for c in required if row[c] is None or (isinstance(row[c], float) and pd.isna(row[c]))
                     or (isinstance(row[c], str) and not row[c].strip())]
            if empty:
                problems.append(EditProblem(layer, k, int(row["fid"]),
                                            f"required field(s) empty: {', '.join(empty)}", row["edit_at"]))
        keys = pyogrio.read_dataframe(gpkg_path, layer=layer, columns=[key], read_geometry=False)[key]
        counts = keys.value_counts()
        for k, row in ed.iterrows():
            if counts.get(k, 0) > 1:
                problems.append(EditProblem(layer, k, int(row["fid"]),
                                            f"{key} {k} is used by {counts[k]} features", row["edit_at"]))
    return problems
