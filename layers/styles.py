"""QGIS styles for the spatial layers, stored in the GeoPackage's own ``layer_styles`` table.

QGIS looks in ``layer_styles`` when it opens a GeoPackage layer and applies the row marked
``useAsDefault``, so GIS staff see every layer styled, labelled and with Chinese field aliases
without a project file. The styles are QGIS's QML documents, generated here as plain XML, so the
build needs no QGIS; ``tests/test_qgis.py`` checks in a real QGIS that they load.

What the styles say:

* Colour and category label follow ``kind`` (core, zone, axis, …), from the one cartography
  (:mod:`layers.cartography`) the web map and the sheets draw from too; where a layer has no ``kind``
  the categories are the four ``quality`` values.
* How a shape was made is visible in its line and fill, never only in the attribute table:
  ``official`` and ``derived`` shapes are drawn solid, ``sketched`` ones with a dashed outline and a
  faint fill, ``schematic`` ones hatched with a dotted outline (points: hollow), so a reader of the
  map cannot take a sketch for a surveyed boundary. The legend says it too (“核心 core · 勾绘 sketched”).
* Labels: ``name_zh``; parcels their ``code``; project sites their ``name`` only when zoomed in.
"""

import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from xml.sax.saxutils import quoteattr

from . import cartography as carto
from .schema import LAYERS, SPATIAL

STYLE_NAME = "planmap"
"""``layer_styles.styleName`` of the styles this module writes (rewritten by every build)."""

GEOMETRY_COLUMN = "geom"
LABEL_FONT = "Noto Sans CJK SC"     # Debian's fonts-noto-cjk, installed by scripts/setup.sh

#: Per-layer choices: the label field (other layers: the first of LABEL_FIELDS they have), the
#: scale beyond which labels are hidden, and which layers are outlines only.
LABELS = {"parcels": "code", "project_sites": "name"}
LABEL_FIELDS = ("name_zh", "name", "code", "id")
LABEL_MAX_SCALE = {"project_sites": 50000, "parcels": 100000, "land": 500000}
OUTLINE_ONLY = {"districts"}

_GEOM_TYPE_CODE = {"marker": 0, "line": 1, "fill": 2}   # QGIS's QgsWkbTypes::GeometryType


def write_styles(gpkg_path, layers=None):
    """Write each spatial layer's style into ``layer_styles`` as its default; returns the layer names.

    Categories are taken from the values present in the file, so run this on the finished file
    (the build calls it on the new file before swapping it in). Rows this module wrote before are
    replaced; styles GIS staff saved under other names are kept but no longer the default.
    """
    layers = list(layers or SPATIAL)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    written = []
    with closing(sqlite3.connect(gpkg_path)) as db:
        _ensure_layer_styles(db)
        for name in layers:
            cols = [r[1] for r in db.execute(f'PRAGMA table_info("{name}")')]
            if not cols:
                continue
            gtype = db.execute("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = ?",
                               (name,)).fetchone()
            qml = layer_qml(name, cols, _geom_kind(gtype[0] if gtype else LAYERS[name].geometry_type),
                            _present_categories(db, name, cols))
            db.execute("DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?", (name, STYLE_NAME))
            db.execute("UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ?", (name,))
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,"
                " styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time)"
                " VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'planmap', NULL, ?)",
                (name, GEOMETRY_COLUMN, STYLE_NAME, qml,
                 "按类型与几何来源分类 by kind and shape quality (written by planmap build)", now))
            written.append(name)
        db.commit()
    return written


def _ensure_layer_styles(db):
    """The table as QGIS creates it, registered in gpkg_contents so GDAL and QGIS list it."""
    db.execute("""CREATE TABLE IF NOT EXISTS layer_styles (
        id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
        f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
        styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
        update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))""")
    db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description,"
               " last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS 图层样式 layer styles',"
               " strftime('%Y-%m-%dT%H:%M:%fZ','now'))")


def _geom_kind(geometry_type_name):
    """QGIS's symbol type for a GeoPackage geometry type name (MULTIPOLYGON → fill, …)."""
    name = (geometry_type_name or "").upper()
    if "POLYGON" in name:
        return "fill"
    if "LINE" in name:
        return "line"
    return "marker" if "POINT" in name else "fill"


def _present_categories(db, name, cols):
    """The (kind, quality) pairs present when the layer has ``kind``; otherwise None."""
    if "kind" not in cols or "quality" not in cols:
        return None
    rows = db.execute(f'SELECT DISTINCT kind, quality FROM "{name}" WHERE kind IS NOT NULL '
                      'AND quality IS NOT NULL ORDER BY kind, quality').fetchall()
    return [(k, q) for k, q in rows]


# ---------------------------------------------------------------------------------------- QML ----

def layer_qml(name, columns, geom_kind, pairs=None):
    """The QML document for one layer.

    ``pairs`` lists the (kind, quality) combinations to categorise by; with None the layer is
    categorised by ``quality`` alone (all four values). A catch-all category draws anything else.
    """
    categories = []
    if pairs is not None:
        attr = "\"kind\" || '|' || \"quality\""
        for kind, quality in pairs:
            label = f"{carto.label(kind)} · {carto.quality(quality).zh} {quality}"
            categories.append((f"{kind}|{quality}", label, carto.rgb(carto.kind(kind).colour), quality))
    else:
        attr = "quality"
        for quality, q in carto.QUALITIES.items():
            colour = (100, 100, 100) if name in OUTLINE_ONLY else (90, 90, 90)
            categories.append((quality, f"{q.zh} {quality}", colour, quality))
    categories.append(("", "其他 other", (160, 160, 160), "sketched"))

    cat_xml, sym_xml = [], []
    for i, (value, label, colour, quality) in enumerate(categories):
        cat_xml.append(f'<category symbol="{i}" value={quoteattr(value)} label={quoteattr(label)} render="true"/>')
        sym_xml.append(_symbol(str(i), geom_kind, colour, quality, outline_only=name in OUTLINE_ONLY))
    renderer = (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attr)} symbollevels="0" '
                f'forceraster="0" enableorderby="0">'
                f'<categories>{"".join(cat_xml)}</categories><symbols>{"".join(sym_xml)}</symbols>'
                f'<source-symbol>{_symbol("0", geom_kind, (160, 160, 160), "official")}</source-symbol>'
                f'</renderer-v2>')

    aliases = LAYERS[name].aliases if name in LAYERS else {}
    alias_xml = "".join(f'<alias field={quoteattr(c)} index="{i}" name={quoteattr(aliases.get(c, ""))}/>'
                        for i, c in enumerate(columns))
    label_field = LABELS.get(name) or next((c for c in LABEL_FIELDS if c in columns), None)
    labeling = _labeling(label_field, geom_kind, LABEL_MAX_SCALE.get(name, 0)) \
        if label_field in columns else ""
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="3.22.16" styleCategories="AllStyleCategories" labelsEnabled="{int(bool(labeling))}">'
            f'{renderer}{labeling}<aliases>{alias_xml}</aliases>'
            f'<layerGeometryType>{_GEOM_TYPE_CODE[geom_kind]}</layerGeometryType></qgis>\n')


def _rgba(colour, alpha=255):
    return ",".join(str(c) for c in colour) + f",{alpha}"


def _darker(colour, f=0.7):
    return tuple(int(c * f) for c in colour)


def _symbol(name, geom_kind, colour, quality, outline_only=False):
    """One QGIS symbol whose look says the shape's quality (see the module docstring)."""
    q = carto.quality(quality)
    pen = carto.QGIS_PEN[q.line]
    if geom_kind == "fill":
        # a hatch is drawn in the fill colour, so a hatched fill is opaque where a plain one is faint
        alpha = 200 if q.hatched else int(round(q.fill_alpha * 440))
        props = {"color": _rgba(colour, alpha), "style": "b_diagonal" if q.hatched else "solid",
                 "outline_color": _rgba(_darker(colour)), "outline_style": pen,
                 "outline_width": "0.6" if q.line == "dash" else "0.4", "outline_width_unit": "MM",
                 "joinstyle": "bevel"}
        if outline_only:
            props.update(style="no", outline_color=_rgba((90, 90, 90)), outline_width="0.5")
        layer = _symbol_layer("SimpleFill", props)
    elif geom_kind == "line":
        props = {"line_color": _rgba(colour), "line_width": "0.5" if q.line == "dot" else "0.8",
                 "line_width_unit": "MM", "capstyle": "round", "joinstyle": "round", "line_style": pen}
        layer = _symbol_layer("SimpleLine", props)
    else:
        props = {"name": "circle", "size": "2.6", "size_unit": "MM",
                 "color": _rgba(colour, 0 if q.hollow else (90 if q.line == "dash" else 255)),
                 "outline_color": _rgba(_darker(colour)), "outline_width": "0.4", "outline_width_unit": "MM",
                 "outline_style": pen}
        layer = _symbol_layer("SimpleMarker", props)
    return (f'<symbol type="{geom_kind}" name={quoteattr(name)} alpha="1" clip_to_extent="1" force_rhr="0">'
            f'{layer}</symbol>')


def _symbol_layer(cls, props):
    # QGIS 3.22 reads the <Option> map; older 3.x read <prop>. Both are written, as QGIS itself does.
    options = "".join(f'<Option type="QString" name={quoteattr(k)} value={quoteattr(v)}/>' for k, v in props.items())
    legacy = "".join(f'<prop k={quoteattr(k)} v={quoteattr(v)}/>' for k, v in props.items())
    return (f'<layer class="{cls}" pass="0" locked="0" enabled="1">'
            f'<Option type="Map">{options}</Option>{legacy}</layer>')


def _labeling(field, geom_kind, max_scale):
    # placement: 0 around point, 3 curved (lines), 4 horizontal (polygons); see QgsPalLayerSettings
    placement = {"marker": 0, "line": 3, "fill": 4}[geom_kind]
    scale = (f'scaleVisibility="1" scaleMin="0" scaleMax="{max_scale}"' if max_scale
             else 'scaleVisibility="0"')
    return ('<labeling type="simple"><settings calloutType="simple">'
            f'<text-style fieldName={quoteattr(field)} isExpression="0" fontFamily={quoteattr(LABEL_FONT)} '
            'fontSize="9" fontSizeUnit="Point" textColor="40,40,40,255" textOpacity="1" fontWeight="50">'
            '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" '
            'bufferOpacity="0.8" bufferNoFill="1" bufferJoinStyle="128"/></text-style>'
            '<text-format wrapChar="" multilineAlign="3" formatNumbers="0"/>'
            f'<placement placement="{placement}" dist="1" distUnits="MM" centroidInside="1" '
            'placementFlags="10" priority="5"/>'
            f'<rendering drawLabels="1" {scale} obstacle="1" displayAll="0" upsidedownLabels="0" '
            'labelPerPart="0" mergeLines="1" maxNumLabels="2000" limitNumLabels="0"/>'
            '</settings></labeling>')
