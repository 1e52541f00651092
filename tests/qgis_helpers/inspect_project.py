"""Open a QGIS project and report every layer (validity, style, aliases), the groups and layouts.

    /usr/bin/python3 inspect_project.py PROJECT.qgs
"""

from boot import layer_summary, run
from qgis.core import QgsProject, QgsVectorLayer


def main(argv):
    project = QgsProject.instance()
    ok = project.read(argv[0])
    root = project.layerTreeRoot()
    layers = []
    for node in root.findLayers():
        layer = node.layer()
        info = layer_summary(layer)
        info["group"] = node.parent().name()
        info["visible"] = node.isVisible()
        if layer.isSpatial():
            # the style the GeoPackage itself offers as default, for comparison with the project's copy
            fresh = QgsVectorLayer(layer.source(), "fresh", "ogr")
            info["gpkg_default"] = layer_summary(fresh)
        layers.append(info)
    layouts = []
    for layout in project.layoutManager().printLayouts():
        atlas = layout.atlas()
        layouts.append({"name": layout.name(), "pages": layout.pageCollection().pageCount(),
                        "atlas": atlas.enabled(),
                        "coverage": atlas.coverageLayer().source() if atlas.coverageLayer() else None,
                        "items": sorted({type(i).__name__ for i in layout.items()})})
    return {"read": ok, "title": project.title(), "crs": project.crs().authid(),
            "groups": [g.name() for g in root.children()], "layers": layers, "layouts": layouts}


if __name__ == "__main__":
    run(main)
