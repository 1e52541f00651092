"""How a feature looks on paper, translated from the project's one cartography.

Every structure, line and point takes its colour, width factor and marker from
:data:`layers.cartography.KINDS`, and its line pattern, fill opacity, hatching and hollowness from
:data:`layers.cartography.QUALITIES` — the tables the web map and the QGIS styles read — so a kind has
one name and one colour on the web, in QGIS and on the PDF. Only what exists on paper alone is set
here: the sea tint, parcels and project sites (drawn in one colour, whatever their kind),
the coast line, the grey of context features, the red focus ring, and the weights that turn the tables' factors into
points.
"""

from ..cartography import KINDS, MPL_DASH, QUALITIES, kind, quality

# -- sheet-only colours ---------------------------------------------------------------------------------

SEA = "#dfeaf3"
LAND = KINDS["land"].colour   # the land is the land's colour everywhere, paper included
COAST = "#8fa3b3"
PARCEL = "#c8591c"
PARCEL_TEXT = "#5a2408"
SITE = "#7b241c"
CONTEXT = "#9a9a9a"          # a plan's other structures on a parcel sheet, a figure's context kinds
DISTRICT = "#6f6f6f"
FOCUS_RING = "#d10000"
LOCATOR_PLAN = "#e67e22"     # the plan's footprint on the locator
HALO = (2.2, "white")        # (linewidth, colour) of the outline behind map labels

# -- weights (points) that the cartography's factors multiply -----------------------------------------

POLY_WIDTH = 1.0             # a polygon's outline
LINE_WIDTH = 1.3             # a structure line; × Kind.width (axis 1.4 → 1.8 pt, belt 2.0 → 2.6 pt)
WIDE_LINE = 2.0              # lines wider than this are drawn at 75 % so what they cross stays readable
POINT_SIZE = 5.0             # a structure point's marker; × MARKER_SCALE (a star needs more size to read)
MARKER_SCALE = {"o": 0.95, "s": 1.0, "D": 1.1, "*": 1.6}
TOWN_SIZE = {True: 3.6, False: 2.6}      # county seats and cities / towns

#: Kinds whose polygon contains the others (a plan's envelope): outlined, not filled, so its parts'
#: colours are not muddied by a tint under them all.
ENVELOPES = frozenset({"area"})
#: Town kinds drawn and labelled as seats (bigger, labelled first).
SEATS = frozenset({"city", "city_seat", "county_seat"})
#: Kinds whose labels are set large (the parts a plan is organised by).
BIG_LABELS = frozenset({"core", "wing", "area", "zone"})
#: Kinds of a plan shown on the locator.
LOCATOR_KINDS = ("area", "core", "wing", "zone")


def rgba(colour, alpha):
    from matplotlib.colors import to_rgba

    return to_rgba(colour, alpha)


def poly_style(kind_key, quality_key, focus=False, context=False, dim=False):
    """matplotlib style of a structure polygon: the kind's colour, the quality's pattern (dashed
    outline for sketched, dotted and hatched for schematic)."""
    if context:
        return dict(facecolor="none", edgecolor=CONTEXT, linewidth=0.6, linestyle=(0, (3, 2)))
    k, q = kind(kind_key), quality(quality_key)
    alpha = q.fill_alpha * (1.6 if focus else (0.5 if dim else 1.0))
    st = dict(facecolor=rgba(k.colour, alpha), edgecolor=k.colour,
              linewidth=POLY_WIDTH * k.width * (2.0 if focus else 1.0), linestyle=MPL_DASH[q.line])
    if kind_key in ENVELOPES:
        st["facecolor"] = "none"
    if q.hatched:
        st.update(hatch="////", hatchcolor=rgba(k.colour, 0.45 if dim else 0.9))
    if dim:
        st.update(linewidth=0.7 * k.width, edgecolor=rgba(k.colour, 0.6))
    return st


def line_style(kind_key, quality_key, focus=False, context=False, dim=False):
    """matplotlib style of a structure line: the kind's colour and width, the quality's dashes."""
    if context:
        return dict(color=CONTEXT, linewidth=0.8, linestyle=(0, (3, 2)))
    k, q = kind(kind_key), quality(quality_key)
    lw = LINE_WIDTH * k.width * (1.5 if focus else (0.7 if dim else 1.0))
    colour = rgba(k.colour, 0.5) if dim else (rgba(k.colour, 0.75) if lw > WIDE_LINE else k.colour)
    return dict(color=colour, linewidth=lw, linestyle=MPL_DASH[q.line])


def point_size(kind_key):
    return POINT_SIZE * MARKER_SCALE.get(kind(kind_key).marker, 1.0)


def point_style(kind_key, quality_key, focus=False, context=False):
    """matplotlib style of a structure point: the kind's marker and colour, hollow when schematic.

    ``markersize`` is in points² (``scatter``'s ``s``), except for context points (``plot``'s points).
    """
    k, q = kind(kind_key), quality(quality_key)
    ms = point_size(kind_key)
    if context:
        return dict(marker=k.marker, markersize=ms * 0.8, color=CONTEXT)
    return dict(marker=k.marker, markersize=(ms * 1.4 if focus else ms) ** 2,
                facecolor="white" if q.hollow else k.colour, edgecolor=k.colour, linewidth=1.1)


def town_style(kind_key, quality_key):
    k, q = kind(kind_key), quality(quality_key)
    size = TOWN_SIZE[kind_key in SEATS]
    return dict(marker=k.marker, markersize=size ** 2, facecolor="white" if q.hollow else k.colour,
                edgecolor="#333333", linewidth=0.6)


def parcel_style(quality_key, focus=False):
    """Parcels in the sheet's parcel colour, patterned by their quality (schematic: dotted, hatched)."""
    q = quality(quality_key)
    st = dict(facecolor=rgba(PARCEL, 0.45 if focus else 0.25), edgecolor="#7a2e0b" if focus else PARCEL,
              linewidth=1.6 if focus else 0.5, linestyle=MPL_DASH[q.line])
    if q.hatched:
        st.update(hatch="////", hatchcolor=rgba(PARCEL, 0.8))
    return st


def land_style(kind_key, quality_key):
    """Surveyed land in the sheet's land tint; sketched land (the reclamation) in its kind's colour
    with the quality's outline, so it does not pass for surveyed coast."""
    q = quality(quality_key)
    if q.line == "solid":
        return dict(facecolor=LAND, edgecolor=COAST, linewidth=0.45)
    face = kind(kind_key).colour if kind_key in KINDS and kind_key != "land" else LAND
    st = dict(facecolor=face, edgecolor="#6c7a89", linewidth=0.7, linestyle=MPL_DASH[q.line])
    if q.hatched:
        st.update(hatch="////", hatchcolor="#b0b8bf")
    return st


def quality_swatch(quality_key):
    """A legend swatch showing only a quality's pattern, in grey."""
    q = QUALITIES[quality_key]
    st = dict(facecolor="white", edgecolor="#444444", linewidth=1.0, linestyle=MPL_DASH[q.line])
    if q.hatched:
        st.update(hatch="////", hatchcolor="#666666")
    return st
