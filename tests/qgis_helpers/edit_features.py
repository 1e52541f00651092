"""Edit features of a GeoPackage through QGIS's editing API, as a GIS editor's session would.

    /usr/bin/python3 edit_features.py GPKG OPS.json

OPS.json is a list of {"layer", "key_col", "key", "set": {field: value}, "wkt": WKT, "delete": bool};
each layer is edited in its own edit session (startEditing … commitChanges). Prints, per operation,
the feature's fid, whether the commit succeeded, QGIS's commit errors and the geometry read back.
"""

import json

from boot import run
from qgis.core import QgsFeatureRequest, QgsGeometry, QgsVectorLayer


def main(argv):
    gpkg, ops_path = argv
    with open(ops_path, encoding="utf-8") as f:
        ops = json.load(f)
    results = []
    for op in ops:
        layer = QgsVectorLayer(f"{gpkg}|layername={op['layer']}", op["layer"], "ogr")
        request = QgsFeatureRequest().setFilterExpression(f"\"{op['key_col']}\" = '{op['key']}'")
        found = list(layer.getFeatures(request))
        if len(found) != 1:
            results.append({"key": op["key"], "error": f"{len(found)} features match"})
            continue
        fid = found[0].id()
        layer.startEditing()
        ok = True
        if op.get("delete"):
            ok &= layer.deleteFeature(fid)
        for field, value in op.get("set", {}).items():
            ok &= layer.changeAttributeValue(fid, layer.fields().indexOf(field), value)
        if op.get("wkt"):
            ok &= layer.changeGeometry(fid, QgsGeometry.fromWkt(op["wkt"]))
        committed = layer.commitChanges()
        result = {"key": op["key"], "fid": fid, "edited": bool(ok), "committed": committed,
                  "errors": layer.commitErrors()}
        if not op.get("delete"):
            again = QgsVectorLayer(f"{gpkg}|layername={op['layer']}", "check", "ogr").getFeature(fid)
            result["wkt_after"] = again.geometry().asWkt()
        results.append(result)
    return results


if __name__ == "__main__":
    run(main)
