"""The rows that plan ingest produces, one dataclass per GeoPackage table.

Every row carries ``plan`` (``"000"`` … ``"004"``, the plan file's number) and ``source_line`` (the
1-based line of the plan text it was read from), so that every number on the map can be traced back
to the sentence or table row that printed it.
"""

from dataclasses import dataclass, field, fields, asdict


@dataclass
class Project:
    """One row of a plan's project table (or of a 专栏 list, which has no investment)."""

    plan: str
    list_name: str            # e.g. "重大项目清单", "附件2", "专栏三 城中村改造"
    seq: str                  # the row number as printed ("1", "12", "P-3" …)
    name: str
    source_line: int
    section: str = ""         # the table section heading ("一、基础设施项目")
    parcel_codes: str = ""    # normalised codes, ";"-separated (see layers.codes)
    parcel_codes_raw: str = ""
    location_text: str = ""   # the words that place it (地块, 位于…, 四至)
    content: str = ""         # 建设规模和内容
    land_area_raw: float | None = None
    land_area_unit: str = ""
    land_area_m2: float | None = None
    floor_area_m2: float | None = None
    build_type: str = ""      # 新建 / 续建 / 研究 / 前期 …
    period_start: int | None = None   # only a start the text gives (a span's first year, "…年开工")
    period_end: int | None = None     # only the last year of a span the text prints
    complete_by: int | None = None    # "2022年底前建成", "到2022年": to be finished by this year
    period_raw: str = ""              # the period words as printed (建设期限 cell, 时间安排, milestones)
    total_investment_raw: str = ""
    total_investment_yi: float | None = None
    fyp_investment_raw: str = ""
    fyp_investment_yi: float | None = None   # 十四五 (2021-2025) investment
    owner: str = ""           # 责任单位 / 责任主体


@dataclass
class Quota:
    """A land-use quota or land figure the plan states for a zone."""

    plan: str
    zone: str                 # the zone or place the figure is about
    item: str                 # 新增建设用地, 工业用地, 用海, 亩均税收 …
    value: float | None
    unit: str
    source_line: int
    value_m2: float | None = None   # for areas, converted
    year: int | None = None
    text: str = ""            # the sentence, trimmed


@dataclass
class Target:
    """A row of an indicator table: base 2020, target 2025."""

    plan: str
    table: str
    indicator: str
    unit: str
    source_line: int
    category: str = ""
    base_2020: str = ""       # kept as printed: some cells hold "[8]" or "完成上级下达目标"
    target_2025: str = ""
    kind: str = ""            # 预期性 / 约束性


@dataclass
class TravelTarget:
    """A travel-time statement: from where, to what, in how many minutes, by which mode."""

    plan: str
    origin: str
    destinations: str
    minutes: float
    mode: str                 # 综合 / 驾车 / 轨道 / 步行 / 公交 …
    source_line: int
    text: str = ""


@dataclass
class PrintedTotal:
    """A subtotal or total as the plan prints it, for ``planmap audit`` to recompute."""

    plan: str
    list_name: str
    section: str              # "" for a grand total
    column: str               # "total_investment_yi" or "fyp_investment_yi"
    value_yi: float | None
    source_line: int
    label: str = ""           # the printed label ("小计", "合计：")


@dataclass
class PlanTables:
    """Everything read from one plan text."""

    plan: str
    path: str
    projects: list = field(default_factory=list)
    quotas: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    travel_targets: list = field(default_factory=list)
    printed_totals: list = field(default_factory=list)

    def extend(self, other):
        """Append another plan's rows (used to collect all five into one set of tables)."""
        for name in ("projects", "quotas", "targets", "travel_targets", "printed_totals"):
            getattr(self, name).extend(getattr(other, name))
        return self


TABLE_CLASSES = {
    "projects": Project,
    "quotas": Quota,
    "targets": Target,
    "travel_targets": TravelTarget,
    "printed_totals": PrintedTotal,
}


def columns(cls):
    """Column names of a row class, in declaration order."""
    return [f.name for f in fields(cls)]


def records(rows):
    """Rows as plain dicts (for pandas / the GeoPackage writer)."""
    return [asdict(r) for r in rows]
