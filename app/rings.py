"""The web adapter for accessibility rings (filled in when the network core lands)."""

from .data import DataUnavailable


def rings_for_request(store, args, config):
    raise DataUnavailable("network missing: run `planmap network fetch` first")
