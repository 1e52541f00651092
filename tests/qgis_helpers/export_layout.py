"""Export a print layout of a project to PDF (an atlas layout: its first page only).

    /usr/bin/python3 export_layout.py PROJECT.qgs "LAYOUT NAME" OUT.pdf
"""

from boot import run
from qgis.core import QgsLayoutExporter, QgsProject


def main(argv):
    project_path, name, out = argv
    project = QgsProject.instance()
    if not project.read(project_path):
        return {"error": f"cannot read {project_path}"}
    layout = project.layoutManager().layoutByName(name)
    if layout is None:
        return {"error": f"no layout {name!r}"}
    atlas = layout.atlas()
    page_name = None
    if atlas.enabled():
        atlas.beginRender()
        atlas.first()
        page_name = atlas.nameForPage(0)
    result = QgsLayoutExporter(layout).exportToPdf(out, QgsLayoutExporter.PdfExportSettings())
    if atlas.enabled():
        atlas.endRender()
    return {"result": int(result), "ok": result == QgsLayoutExporter.Success, "atlas_page": page_name,
            "atlas_count": atlas.count() if atlas.enabled() else None}


if __name__ == "__main__":
    run(main)
