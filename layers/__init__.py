"""Wenzhou plan map core: plan ingest, base geography, structures, parcels and the GeoPackage store.

This package knows nothing of Flask: the web app and the CLI in ``app/`` are thin adapters over it.
"""

__version__ = "0.1.0"
