"""Load each named layer of a GeoPackage on its own (as QGIS's browser does) and report its style.

    /usr/bin/python3 inspect_layers.py GPKG LAYER [LAYER …]

The style must come from the GeoPackage's layer_styles table: nothing else is loaded here.
"""

from boot import layer_summary, run
from qgis.core import QgsVectorLayer


def main(argv):
    gpkg, names = argv[0], argv[1:]
    return {name: layer_summary(QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")) for name in names}


if __name__ == "__main__":
    run(main)
