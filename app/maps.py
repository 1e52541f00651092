"""Folium map builders: the overview, a plan, a parcel — all from the core's GeoPackage reader.

Styling says what a shape is and how sure we are of it, from the one cartography
(:mod:`layers.cartography`): colour by kind, line pattern by ``quality`` — solid for official
boundaries, dashed for shapes sketched from the text, dotted for schematic parcels drawn only to their
stated area. The legend says so in Chinese (English second), in the same words as QGIS and the sheets.

Every JavaScript and CSS file the page needs is served by the app (``static/vendor``): after a map is
built, :func:`localise` rewrites folium's CDN links to the vendored copies and fails loudly if any
link would still leave the intranet.
"""

import html
import json
import re

import branca
import folium
from folium.plugins import GroupedLayerControl
from folium.utilities import JsCode

from layers import cartography as carto
from layers.errors import OfflineError
from layers.plans import PLAN_IDS

PLAN_SHORT = {"000": "瓯江口", "001": "瓯海区", "002": "洞头区", "003": "浙南科技城", "004": "环大罗山"}

#: CDN URL → path under /static/vendor. Anything else found in a page is an error (see localise).
VENDORED = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        "awesome-markers/leaflet.awesome-markers.js",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        "awesome-markers/leaflet.awesome-markers.css",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.js":
        "groupedlayercontrol/leaflet.groupedlayercontrol.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.css":
        "groupedlayercontrol/leaflet.groupedlayercontrol.min.css",
}
#: Links folium adds that the page does not need (Bootstrap 3 glyphicons; a rotation helper for icons).
DROPPED = {"glyphicons_css", "awesome_rotate_css"}


def localise(fmap, static_url):
    """Point every JS/CSS link of ``fmap`` and its children at the app's vendored copies."""

    def fix(element):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if not links:
                continue
            fixed = []
            for name, url in links:
                if name in DROPPED:
                    continue
                if url not in VENDORED:
                    raise OfflineError(f"{type(element).__name__} needs {url}, which is not vendored "
                                       "(add it to scripts/vendor_web.py and app/maps.py VENDORED)")
                fixed.append((name, static_url(VENDORED[url])))
            setattr(element, attr, fixed)
        for child in element._children.values():
            fix(child)

    fix(fmap)
    return fmap


def _dash(quality):
    return carto.SVG_DASH[carto.quality(quality).line]


def _on_click(kind):
    """JS bound to each feature: a click asks the API for the feature and opens a popup."""
    key = {"parcel": "feature.properties.code", "structure": "feature.properties.id",
           "project": "feature.properties.project_id"}[kind]
    return JsCode(f"""function(feature, layer) {{
        layer.on('click', function(e) {{
            L.DomEvent.stopPropagation(e);
            planmap.open('{kind}', {key}, feature.properties.plan, e.latlng);
        }});
    }}""")


def _geojson(gdf, name, *, style, kind=None, tooltip=None, marker=None, show=True):
    data = json.loads(gdf.to_json(drop_id=True))
    # folium's tooltips put property values into innerHTML unescaped, and names come from a file
    # that QGIS editors change: escape every text value before it reaches the page
    for f in data["features"]:
        f["properties"] = {k: html.escape(v) if isinstance(v, str) else v for k, v in f["properties"].items()}
    kwargs = {}
    if tooltip and len(gdf):
        kwargs["tooltip"] = folium.GeoJsonTooltip(fields=tooltip[0], aliases=tooltip[1], sticky=True)
    if kind:
        kwargs["on_each_feature"] = _on_click(kind)
    if marker is not None:
        kwargs["marker"] = marker
    return folium.GeoJson(data, name=name, style_function=style, show=show, **kwargs)


def build_map(gp, *, plan=None, focus=None, tianditu_key=None, static_url=lambda p: "/static/vendor/" + p):
    """The planner's map. ``plan`` limits structures and parcels to one plan; ``focus`` (a lon/lat
    bounds tuple) sets the initial view. Returns a folium Map, localised to vendored assets."""
    structures = gp.web("structures")
    if plan:
        structures = structures[structures["plan"] == plan]
    bounds = focus or tuple(structures.total_bounds)
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=False, zoom_control=True)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])

    # ---- base layers: vector by default; tiles only when chosen (an intranet has no tile server)
    bases = [folium.FeatureGroup(name="无瓦片（矢量底图）No tiles", overlay=False, control=True).add_to(fmap),
             folium.TileLayer("OpenStreetMap", name="OpenStreetMap", overlay=False, show=False,
                              attr="© OpenStreetMap contributors, ODbL").add_to(fmap)]
    if tianditu_key:
        bases.append(folium.TileLayer(
            tiles="https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                  "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk="
                  + tianditu_key,
            subdomains="01234567", name="天地图 Tianditu", overlay=False, show=False, attr="© 天地图").add_to(fmap))

    land = gp.web("land")
    base = {
        "land": _geojson(land, "陆地与海岛 Land", style=lambda f: {
            "color": "#9aa" if f["properties"]["quality"] != "sketched" else "#b07",
            "weight": 0.6, "fillColor": carto.kind(f["properties"]["kind"]).colour, "fillOpacity": 1,
            "dashArray": _dash(f["properties"]["quality"])},
            tooltip=(["name_zh", "quality", "source"], ["名称", "来源类型", "数据来源"])),
        "districts": _geojson(gp.web("districts"), "行政区 Districts", style=lambda f: {
            "color": "#b03a2e", "weight": 1.2, "fill": False, "dashArray": "6 3 1 3"},
            tooltip=(["name_zh", "n_projects", "total_investment_yi"], ["行政区", "项目数", "总投资(亿元)"])),
        "towns": _geojson(gp.web("towns"), "城镇 Towns", style=lambda f: {"color": carto.kind(f["properties"]["kind"]).colour},
                          marker=folium.CircleMarker(radius=3, fill=True, fill_opacity=1),
                          tooltip=(["name_zh", "name_en"], ["城镇", "Town"])),
    }
    for layer in base.values():
        layer.add_to(fmap)

    groups = {"底图 Base": list(base.values())}
    plan_ids = [plan] if plan else list(PLAN_IDS)
    for pid in plan_ids:
        members = []
        for layer_name, label, fill in (("structures", "片区", True), ("structure_lines", "轴带廊道", False),
                                        ("structure_points", "节点", True)):
            gdf = gp.web(layer_name)
            gdf = gdf[gdf["plan"] == pid]
            if gdf.empty:
                continue
            marker = folium.CircleMarker(radius=6, fill=True) if layer_name == "structure_points" else None
            g = _geojson(gdf, f"{PLAN_SHORT[pid]} {label}", kind="structure",
                         style=lambda f, fill=fill: carto.web_style(f["properties"]["kind"], f["properties"]["quality"],
                                                           fill=fill, weight=3 if not fill else 2),
                         tooltip=(["name_zh", "kind", "quality"], ["名称", "类型", "图形来源"]), marker=marker)
            g.add_to(fmap)
            members.append(g)
        groups[f"规划 {pid} {PLAN_SHORT[pid]}"] = members

    parcels = gp.web("parcels")
    sites = gp.web("project_sites")
    if plan:
        parcels = parcels[parcels["plan"] == plan]
        sites = sites[sites["plan"] == plan]
    vmax = max(float(parcels["intensity_wan_per_m2"].quantile(0.95)) if len(parcels) else 1.0, 0.1)
    ramp = branca.colormap.LinearColormap(["#fff7bc", "#fec44f", "#d95f0e", "#7f2704"], vmin=0, vmax=vmax,
                                          caption="投资强度 万元/平方米 Investment intensity (10k CNY per m²)")
    parcel_layer = _geojson(parcels, "地块（投资强度） Parcels", kind="parcel", style=lambda f: {
        "color": "#333", "weight": 1, "dashArray": _dash("schematic"),
        "fillColor": ramp(min(f["properties"]["intensity_wan_per_m2"] or 0, vmax)) if f["properties"]["n_projects"]
        else "#ddd", "fillOpacity": 0.85},
        tooltip=(["code", "n_projects", "total_investment_yi"], ["地块", "项目数", "总投资(亿元)"]))
    parcel_layer.add_to(fmap)
    site_layer = _geojson(sites, "项目 Projects", kind="project", style=lambda f: {
        "color": {"parcel": "#7f2704", "structure": "#1f618d", "place": "#117a65"}.get(
            f["properties"]["located_by"], "#555"), "weight": 1, "fillOpacity": 0.7},
        marker=folium.CircleMarker(radius=4, fill=True),
        tooltip=(["name", "total_investment_yi", "located_by"], ["项目", "总投资(亿元)", "定位依据"]))
    site_layer.add_to(fmap)
    fmap.planmap_ramp = ramp    # drawn by the page legend (branca's own legend would load d3 from a CDN)
    rings = folium.FeatureGroup(name="15-30-60 分钟圈层 Rings", show=True)
    rings.add_to(fmap)
    groups["地块与项目 Parcels & projects"] = [parcel_layer, site_layer]
    groups["可达性 Accessibility"] = [rings]
    GroupedLayerControl(groups, exclusive_groups=False, collapsed=True, position="topleft").add_to(fmap)
    # the base maps (vector / OSM / 天地图) as radio buttons; grouped overlays stay out of this one
    folium.LayerControl(position="topleft", collapsed=True).add_to(fmap)

    hooks = branca.element.MacroElement()
    hooks._template = branca.element.Template("""{% macro script(this, kwargs) %}
        planmap.attach({{ this._parent.get_name() }}, {
            parcels: {{ this.parcels }}, sites: {{ this.sites }}, rings: {{ this.rings }},
            overlays: { {% for name, var in this.overlays %}{{ name | tojson }}: {{ var }}, {% endfor %} },
            bases: { {% for name, var in this.bases %}{{ name | tojson }}: {{ var }}, {% endfor %} }
        });
    {% endmacro %}""")
    hooks.parcels, hooks.sites, hooks.rings = parcel_layer.get_name(), site_layer.get_name(), rings.get_name()
    # every layer by its name, so a permalink can say which are shown (planmap.js)
    hooks.overlays = [(layer.layer_name, layer.get_name()) for members in groups.values() for layer in members]
    hooks.bases = [(layer.layer_name, layer.get_name()) for layer in bases]
    fmap.add_child(hooks)
    return localise(fmap, static_url)


def legend_items():
    """What the page legend lists: the structure kinds with their colours, the qualities with their
    line patterns — labels and colours from the one cartography."""
    from layers.recipes import KINDS as STRUCTURE_KINDS

    kinds = [(carto.label(k), k, carto.kind(k).colour) for k in carto.KINDS if k in STRUCTURE_KINDS]
    qualities = [(q.legend_zh, key, carto.SVG_DASH[q.line] or "") for key, q in carto.QUALITIES.items()]
    return kinds, qualities


def map_parts(fmap):
    """The three parts of a rendered folium figure for embedding in our own template.

    Refuses a page whose header would still load a script or stylesheet from another host.
    """
    fig = fmap.get_root()
    fig.render()
    parts = {"header": fig.header.render(), "html": fig.html.render(), "script": fig.script.render()}
    outside = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", parts["header"])
    if outside:
        raise OfflineError(f"the page would load {outside[0]} from outside the app")
    ramp = getattr(fmap, "planmap_ramp", None)
    parts["ramp"] = None if ramp is None else {
        "caption": ramp.caption, "vmin": ramp.vmin, "vmax": ramp.vmax,
        "stops": [ramp.rgb_hex_str(ramp.vmin + (ramp.vmax - ramp.vmin) * i / 4) for i in range(5)]}
    return parts
