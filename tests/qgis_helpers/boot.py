"""Start a headless QGIS for a helper script (run under Debian's /usr/bin/python3 with PyQGIS).

The helpers are plain scripts that print one JSON document on stdout; tests/test_qgis.py runs them in
a subprocess because PyQGIS lives in Debian's Python, not in the project's.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsProject  # noqa: E402


def run(main):
    """Run ``main(argv)`` inside an initialised QgsApplication and print its result as JSON."""
    app = QgsApplication([], False)
    app.initQgis()
    try:
        result = main(sys.argv[1:])
    finally:
        QgsProject.instance().clear()      # release the GeoPackage before QGIS unloads its providers
    app.exitQgis()
    json.dump(result, sys.stdout, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def layer_summary(layer):
    """What a test needs to know about one vector layer's state and style."""
    info = {"name": layer.name(), "valid": layer.isValid(), "source": layer.source(),
            "subset": layer.subsetString(), "spatial": layer.isSpatial(),
            "features": layer.featureCount(),
            "aliases": {f.name(): f.alias() for f in layer.fields()}}
    if layer.isSpatial():
        renderer = layer.renderer()
        info["renderer"] = renderer.type()
        if renderer.type() == "categorizedSymbol":
            info["attr"] = renderer.classAttribute()
            info["categories"] = [c.value() for c in renderer.categories()]
            info["category_labels"] = {str(c.value()): c.label() for c in renderer.categories()}
            info["category_looks"] = {
                str(c.value()): {k: v for k, v in c.symbol().symbolLayer(0).properties().items()
                                 if k in ("style", "outline_style", "line_style", "color", "line_color")}
                for c in renderer.categories()}
        info["labels"] = layer.labelsEnabled()
        labeling = layer.labeling()
        info["label_field"] = labeling.settings().fieldName if labeling is not None else None
    return info
