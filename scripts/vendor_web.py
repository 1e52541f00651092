#!/usr/bin/env python3
"""Regenerate ``app/static/vendor/``: the JavaScript and CSS the web map needs, served by the app itself.

Folium's pages load Leaflet, jQuery, Bootstrap, Font Awesome and plugins from public CDNs; a planning
bureau's intranet has no internet, so the app serves pinned copies instead (``app/maps.py`` rewrites
every CDN link to these files and refuses to render a page that still points outside). The copies are
taken from the npm registry with ``npm pack`` at the versions below, with their licence files.

    python scripts/vendor_web.py
"""

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "app" / "static" / "vendor"

#: package → (version, [(path in the package, path under vendor/)])
PACKAGES = {
    "leaflet": ("1.9.3", [("dist/leaflet.js", "leaflet/leaflet.js"), ("dist/leaflet.css", "leaflet/leaflet.css"),
                          ("dist/images", "leaflet/images"), ("LICENSE", "leaflet/LICENSE")]),
    "jquery": ("3.7.1", [("dist/jquery.min.js", "jquery/jquery.min.js"), ("LICENSE.txt", "jquery/LICENSE.txt")]),
    "bootstrap": ("5.2.2", [("dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
                            ("dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
                            ("LICENSE", "bootstrap/LICENSE")]),
    "@fortawesome/fontawesome-free": ("6.2.0", [("css/all.min.css", "fontawesome/css/all.min.css"),
                                                 ("webfonts", "fontawesome/webfonts"),
                                                 ("LICENSE.txt", "fontawesome/LICENSE.txt")]),
    "leaflet.awesome-markers": ("2.0.5", [("dist/leaflet.awesome-markers.js", "awesome-markers/leaflet.awesome-markers.js"),
                                          ("dist/leaflet.awesome-markers.css", "awesome-markers/leaflet.awesome-markers.css"),
                                          ("dist/images", "awesome-markers/images"),
                                          ("LICENSE", "awesome-markers/LICENSE")]),
    "leaflet-groupedlayercontrol": ("0.6.1", [
        ("dist/leaflet.groupedlayercontrol.min.js", "groupedlayercontrol/leaflet.groupedlayercontrol.min.js"),
        ("dist/leaflet.groupedlayercontrol.min.css", "groupedlayercontrol/leaflet.groupedlayercontrol.min.css"),
        ("LICENSE", "groupedlayercontrol/LICENSE")]),
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, files) in PACKAGES.items():
            print(f"npm pack {name}@{version}", file=sys.stderr)
            tgz = subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=tmp, check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
            unpack = Path(tmp) / name.replace("/", "_")
            with tarfile.open(Path(tmp) / tgz) as t:
                t.extractall(unpack, filter="data")
            for src, dst in files:
                s, d = unpack / "package" / src, OUT / dst
                if not s.exists():
                    print(f"  (missing in package: {src})", file=sys.stderr)
                    continue
                d.parent.mkdir(parents=True, exist_ok=True)
                if s.is_dir():
                    shutil.rmtree(d, ignore_errors=True)
                    shutil.copytree(s, d)
                else:
                    shutil.copy2(s, d)
    print(f"vendored into {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
