"""``planmap build``: plan texts and base geography → ``geodata/wenzhou_plans.gpkg``.

The chain runs one way — texts and vendored data → layers → GeoPackage — and writes the file
atomically, after validating the new file with the same checks ``planmap check`` runs. A plan text
with a damaged row stops the build with file and line, and the previous GeoPackage stays as it was.

Bad edits and bad files do not stop it. An edit that breaks a rule (a feature without geometry or key,
a key or parcel code another feature has …) is named in the output and not applied, while every other
edit is kept (:func:`layers.edits.read_edits`). A previous file that cannot be read as a GeoPackage
(truncated, random bytes, empty, another SQLite database) has no edits to keep: the build says so,
keeps it beside the new file as ``<stem>.damaged-<UTC time>.gpkg`` and writes the new file as usual.
"""

import hashlib
import os
import time
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from . import base
from .audit import audit
from .joins import (in_rollup, locate_projects, project_ids, rollup_districts, rollup_parcels, rollup_plans,
                    rollup_structures)
from .quotas import classify_quotas
from .parcels import build_parcels
from .structures import build_planned_links, build_structures
from .check import check_file
from .codes import block_of, normalise
from .coverage import coverage, summary
from .entities import build_entities
from .worklist import build_worklist
from .edits import apply_edits, carry_history, install_history, read_edits, record_refusals
from .errors import CheckFailed, StoreError
from .plans import PLAN_IDS, PLAN_TITLES, ingest, plan_path
from .plans.model import TABLE_CLASSES, columns, records
from .schema import LAYERS
from .gpkg import write_geopackage
from .gpkg.write import SIDECARS, damage
from .styles import write_styles



def _print(msg):
    print(msg, flush=True)


def plan_frames(plan_dir, progress=_print):
    """The attribute tables read from the plan texts, plus the audit of their totals."""
    tables = ingest(plan_dir, progress=progress)
    frames = {}
    for name, cls in TABLE_CLASSES.items():
        frames[name] = pd.DataFrame(records(getattr(tables, name)), columns=columns(cls))
    frames["projects"].insert(0, "project_id", project_ids(frames["projects"]))
    findings = audit(tables)
    frames["audit_findings"] = pd.DataFrame(
        [{**{k: v for k, v in asdict(f).items() if k != "where"}, "where_": f.where} for f in findings],
        columns=["plan", "kind", "where_", "message", "source_line", "printed", "computed"])
    plans = []
    for pid in PLAN_IDS:
        path = plan_path(plan_dir, pid)
        data = path.read_bytes()
        plans.append({"plan": pid, "title_zh": PLAN_TITLES[pid], "file": path.name,
                      "lines": data.count(b"\n") + 1, "sha256": hashlib.sha256(data).hexdigest()})
    frames["plans"] = pd.DataFrame(plans)
    return frames, tables, findings


def base_frames(base_dir=None):
    """Districts, land and towns in EPSG:4549, polygons promoted to MultiPolygon."""
    out = {"districts": base.load_districts(base_dir), "land": base.load_land(base_dir),
           "towns": base.load_towns(base_dir)}
    for name in ("districts", "land"):
        gdf = out[name]
        gdf["geometry"] = [_multi(g) for g in gdf.geometry]
        out[name] = gpd.GeoDataFrame(gdf, geometry="geometry", crs=gdf.crs)
    return out


def _history_mark(path):
    """The last history id of ``path`` (None without history), after folding its WAL into the file.

    Read before the build takes the edits and again just before the new file replaces the old one:
    if they differ, an editor saved in between and the swap would lose that edit.
    """
    import sqlite3
    from contextlib import closing

    path = Path(path)
    if not path.exists():
        return None
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        has = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'history'").fetchone()
        return db.execute("SELECT max(id) FROM history").fetchone()[0] if has else None


def _damaged_name(path, now=None):
    """Where a damaged GeoPackage is kept: ``<stem>.damaged-<UTC time>.gpkg`` beside it (``-2``, ``-3`` …
    when that name is taken)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    path = Path(path)
    candidate = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.damaged-{stamp}-{n}{path.suffix}")
        n += 1
    return candidate


def _set_aside(path, target):
    """Move a damaged GeoPackage and its SQLite sidecars (``-wal``, ``-shm``, ``-journal``) to
    ``target`` (see :func:`_damaged_name`): a stale WAL must never meet the new file. Returns ``target``."""
    path = Path(path)
    os.replace(path, target)
    for suffix in SIDECARS:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return target


def _multi(g):
    if g.geom_type == "Polygon":
        return shapely.MultiPolygon([g])
    return g


def map_frames(frames, recipe_dir=None, progress=_print, edits=None, engine=None):
    """Structures from the recipes, parcels, and the joins and rollups that tie projects to them.

    ``edits`` (from :func:`layers.edits.read_edits` on the previous file) are laid over each layer as
    soon as it is built — structures before the parcels are placed in them, parcels and sites before
    the rollups — so GIS staff's shapes win and everything computed from them follows. ``engine`` (a
    :class:`~layers.access.RingEngine`) times the plans' travel-time statements; None: not timed.
    """
    from .settings import source_dir

    recipe_dir = source_dir("PLANMAP_RECIPES_DIR", recipe_dir)
    edits = edits or {}

    def keep_edits(layers_):
        refused = []
        layers_, report = apply_edits(layers_, edits, refused=refused)
        for line in report:
            progress(f"  edit kept: {line}")
        for r in refused:
            progress(f"  edit not applied: {r}")
        return layers_

    plan_lines = dict(zip(frames["plans"]["plan"], frames["plans"]["lines"]))
    layers = build_structures(frames["districts"], frames["land"], frames["towns"], recipe_dir,
                              plan_lines=plan_lines, progress=progress)
    recipe_zones = layers["structures"]
    layers = keep_edits(layers)
    # parcels go into the zones as edited; a zone an editor deleted still holds its parcels by recipe
    zones = pd.concat([layers["structures"], recipe_zones[~recipe_zones["id"].isin(layers["structures"]["id"])]],
                      ignore_index=True)
    parcels = keep_edits({"parcels": build_parcels(frames["projects"], zones, frames["land"],
                                                   recipe_dir / "parcel_zones.csv")})["parcels"]
    # an editor who corrects a code edits `code`; the join key and the block follow it
    parcels["code_norm"] = [normalise(c) for c in parcels["code"]]
    parcels["block"] = [block_of(c) for c in parcels["code_norm"]]
    progress(f"  parcels: {len(parcels)} schematic polygons")
    structures_all = pd.concat(layers.values(), ignore_index=True)
    sites, unlocated, shares = locate_projects(frames["projects"], parcels, structures_all, frames["land"],
                                               frames["towns"], frames["districts"],
                                               gazetteer=Path(recipe_dir) / "gazetteer.csv")
    edited_sites = keep_edits({"project_sites": sites})["project_sites"]
    # a site an editor added without in_rollup counts as its plan's list says
    blank = edited_sites["in_rollup"].isna()
    if blank.any():
        edited_sites.loc[blank, "in_rollup"] = [in_rollup(p, l) for p, l in
                                                zip(edited_sites.loc[blank, "plan"], edited_sites.loc[blank, "list_name"])]
        edited_sites["in_rollup"] = edited_sites["in_rollup"].astype(bool)
    deleted = sites[~sites["project_id"].isin(edited_sites["project_id"])]
    if len(deleted):
        # a site an editor deleted: its project is unlocated from now on, and leaves its parcels
        gone = frames["projects"][frames["projects"]["project_id"].isin(deleted["project_id"])]
        gone = gone.assign(in_rollup=[in_rollup(p, l) for p, l in zip(gone["plan"], gone["list_name"])],
                           reason="site deleted by an editor in QGIS")
        unlocated = pd.concat([unlocated, gone[unlocated.columns]], ignore_index=True)
        shares = shares[~shares["project_id"].isin(deleted["project_id"])]
    sites = edited_sites
    progress(f"  projects: {len(sites)} located, {len(unlocated)} unlocated")
    out = {name: rollup_structures(gdf, sites) for name, gdf in layers.items()}
    out["parcels"] = rollup_parcels(parcels, shares, frames["districts"], layers["structures"], frames["projects"])
    out["project_sites"] = sites
    out["unlocated_projects"] = unlocated
    out["parcel_projects"] = shares
    out["districts"] = rollup_districts(frames["districts"], sites)
    out["plan_rollup"] = rollup_plans(frames["projects"], sites, unlocated, frames["printed_totals"])
    out["quota_use"] = classify_quotas(frames["quotas"], structures_all, frames["land"], frames["towns"],
                                       frames["districts"], sites, projects=frames["projects"],
                                       gazetteer=Path(recipe_dir) / "gazetteer.csv")
    out["planned_links"] = keep_edits({"planned_links": build_planned_links(Path(recipe_dir) / "planned_links.csv")}
                                      )["planned_links"]
    out["travel_target_results"] = travel_results(frames["travel_targets"], engine, progress,
                                                  places=Path(recipe_dir) / "gazetteer.csv")
    out["entities"], out["entity_members"] = build_entities(frames["projects"], sites)
    out["worklist"] = build_worklist(out)
    drawn = pd.concat([out[n] for n in ("structures", "structure_lines", "structure_points")], ignore_index=True)
    out["coverage"] = coverage(recipe_dir / "elements.csv", drawn)
    share = summary(out["coverage"])
    progress("  coverage: " + ", ".join(f"{r.plan} {r.mapped}/{r.named}" for r in share.itertuples()))
    return out


def travel_results(travel_targets, engine=None, progress=_print, places=None):
    """The plans' travel-time statements against the drive network of ``engine``, when one is given.

    The build uses a network only when told which (``planmap build --network NAME``), never whatever
    happens to be cached on the machine, so two machines build the same file from the same sources.
    Without one every located statement says "network missing" and how to get one; the build never
    downloads anything.
    """
    from .access import evaluate_targets, load_places

    ag = None
    if engine is not None:
        ag = engine.network("drive")
        progress(f"  travel targets: on network {ag.name} ({ag.info.get('nodes')} nodes)")
    table = evaluate_targets(travel_targets, ag, places=load_places(places))
    progress("  travel targets: " + ", ".join(f"{k} {v}" for k, v in table["status"].value_counts().items()))
    return table


def build(out=None, plan_dir=None, base_dir=None, recipe_dir=None, progress=_print, network=None,
          settings=None):
    """Run the whole chain and replace ``out`` atomically. Returns a summary dict.

    Paths not given come from ``settings`` (:func:`layers.settings.resolve`). ``network``: the name (or
    ``.graphml`` path) of a cached drive network to time the plans' travel-time statements on; None
    leaves them "network missing". Edits GIS staff made to the previous file (recorded by its history
    triggers) are read first and win over the recipes; the history is carried into the new file,
    which gets fresh triggers, the QGIS default styles, and WAL mode.
    """
    from .settings import resolve

    t0 = time.perf_counter()
    s = (settings or resolve()).updated({"PLANMAP_GPKG": out, "PLANMAP_PLANS_DIR": plan_dir,
                                         "PLANMAP_BASE_DIR": base_dir, "PLANMAP_RECIPES_DIR": recipe_dir,
                                         "PLANMAP_NETWORK": network})
    out, plan_dir = s.path("PLANMAP_GPKG"), s.path("PLANMAP_PLANS_DIR")
    base_dir, recipe_dir = s.path("PLANMAP_BASE_DIR"), s.path("PLANMAP_RECIPES_DIR")
    damaged = damage(out) if out.exists() else None
    if damaged:
        aside = _damaged_name(out)
        progress(f"[0/4] {out.name} is unreadable ({damaged}): there are no edits to keep from it; "
                 f"it will be kept beside the new file as {aside.name}")
        mark, edits = None, {}
    else:
        mark = _history_mark(out)
        edits = read_edits(out) if out.exists() else {}
    refused = list(getattr(edits, "refused", []))
    if edits:
        progress(f"[0/4] {sum(len(e) for e in edits.values())} edited feature(s) in {out.name} will be kept")
    for r in refused:
        progress(f"  edit not applied: {r}")
    if getattr(edits, "set_aside", None):
        progress(f"  {len(edits.set_aside)} history row(s) refused by an earlier build stay set aside "
                 "(the history table's 'build' rows say why)")
    progress(f"[1/4] reading plan texts in {plan_dir}")
    frames, tables, findings = plan_frames(plan_dir, progress)
    progress("[2/4] loading base geography (districts, land, towns)")
    frames.update(base_frames(base_dir))
    progress(f"[3/4] structures, parcels and joins (recipes in {recipe_dir})")
    engine = None
    if network is not None:
        from .access import RingEngine

        engine = RingEngine(s, land=frames["land"], progress=progress)
    frames.update(map_frames(frames, recipe_dir, progress, edits=edits, engine=engine))
    progress(f"[4/4] writing {out}")

    def validate(tmp):
        if damaged:
            if out.exists() and not damage(out):
                raise StoreError(f"{out.name} was replaced by a readable file while the build ran; nothing "
                                 "was replaced — run `planmap build` again to keep its edits")
        elif _history_mark(out) != mark:
            raise StoreError(f"{out.name} was edited while the build ran (its history grew); nothing was "
                             "replaced — run `planmap build` again to keep those edits too")
        write_styles(tmp)
        if out.exists() and not damaged:
            carry_history(out, tmp)
        record_refusals(tmp, refused)  # so later builds set the refused rows aside too
        install_history(tmp)          # after every build write, so only later edits are logged
        problems = check_file(tmp)
        if problems:
            raise CheckFailed(problems)
        if damaged and out.exists():
            kept = _set_aside(out, aside if not aside.exists() else _damaged_name(out))
            progress(f"  the unreadable {out.name} is kept as {kept.name}")

    write_geopackage(out, frames, LAYERS, progress=progress, validate=validate)
    summary = {name: len(df) for name, df in frames.items()}
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    summary["audit_problems"] = sum(f.is_problem for f in findings)
    progress(f"done in {summary['seconds']} s: " + ", ".join(f"{k} {v}" for k, v in summary.items()
                                                            if k not in ("seconds",)))
    return summary
