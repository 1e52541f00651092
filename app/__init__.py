"""The outer ring: the ``planmap`` command line (and, later, the Flask web map).

Adapters only: every command calls into :mod:`layers` and turns its results and errors into text
and exit codes.
"""
