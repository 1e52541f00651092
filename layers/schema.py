"""The layers of the GeoPackage: names, Chinese titles, column aliases and required columns.

One place that says what every layer holds, used by the builder (to write titles and aliases), by
``planmap check`` (to require columns) and by the README's layer table (a test keeps them in step).
"""

from .plans.model import Project, Quota, Target, TravelTarget, PrintedTotal, columns


class LayerSpec:
    """What a layer is: its table name, Chinese title, description and column aliases."""

    def __init__(self, name, title_zh, description, aliases, required=(), geometry_type=None):
        self.name = name
        self.title_zh = title_zh
        self.description = description
        self.aliases = dict(aliases)            # column → Chinese alias (English in description)
        self.required = tuple(required)         # columns `planmap check` insists on
        self.geometry_type = geometry_type      # None for attribute tables

    def __repr__(self):
        return f"LayerSpec({self.name!r})"


_COMMON = {
    "plan": "规划编号 plan", "source_line": "原文行号 source line", "quality": "几何来源 shape quality",
    "source": "数据来源 source", "source_ref": "规划依据 plan reference", "accuracy_m": "精度(米) accuracy m",
    "name_zh": "名称 name", "name_en": "英文名 English name", "area_km2": "面积(平方公里) area km²",
    "crs_source": "原始坐标系 source CRS", "adcode": "行政区划代码 adcode", "kind": "类型 kind",
}

PROJECT_ALIASES = {
    "list_name": "清单 list", "seq": "序号 no.", "name": "项目名称 project", "section": "类别 section",
    "parcel_codes": "地块编号(规范) parcel codes", "parcel_codes_raw": "地块编号(原文) codes as printed",
    "location_text": "位置描述 location", "content": "建设内容 content",
    "land_area_raw": "用地面积(原值) land area raw", "land_area_unit": "用地单位 unit",
    "land_area_m2": "用地面积(平方米) land m²", "floor_area_m2": "建筑面积(平方米) floor m²",
    "build_type": "建设性质 build type", "period_start": "开工年 start", "period_end": "期限止年 end of printed period",
    "complete_by": "建成年(不晚于) complete by", "period_raw": "建设期(原文) period as printed",
    "total_investment_raw": "总投资(原文) total as printed", "total_investment_yi": "总投资(亿元) total 100M CNY",
    "fyp_investment_raw": "十四五投资(原文) 2021-25 as printed",
    "fyp_investment_yi": "十四五投资(亿元) 2021-25 100M CNY", "owner": "责任单位 owner",
}

LAYERS = {
    "districts": LayerSpec(
        "districts", "行政区 Districts", "温州市各区县及玉环市边界（高德数据，GCJ-02 已转换）",
        {**_COMMON}, required=("adcode", "name_zh", "quality", "source"), geometry_type="MultiPolygon"),
    "land": LayerSpec(
        "land", "陆地与海岛 Land and islands", "OpenStreetMap 陆地多边形（2017），另加按规划文本勾绘的浅滩围垦区",
        {**_COMMON, "land_id": "编号 id"}, required=("kind", "quality", "source"), geometry_type="MultiPolygon"),
    "towns": LayerSpec(
        "towns", "城镇 Towns", "县级驻地（cpca，GCJ-02 已转换）与 GeoNames 城镇点（中文名为本项目对照）",
        {**_COMMON}, required=("name_zh", "kind", "quality", "source"), geometry_type="Point"),
    "projects": LayerSpec(
        "projects", "项目 Projects", "各规划项目表逐行解析（亿元、平方米已换算，原值保留）",
        {**_COMMON, **PROJECT_ALIASES, "project_id": "项目标识 project id"},
        required=("project_id",) + tuple(columns(Project))),
    "quotas": LayerSpec(
        "quotas", "用地指标 Land quotas", "规划文本中的用地、用海指标与面积数字",
        {**_COMMON, "zone": "片区 zone", "item": "指标 item", "value": "数值 value", "unit": "单位 unit",
         "value_m2": "面积(平方米) m²", "year": "年份 year", "text": "原文 text"},
        required=tuple(columns(Quota))),
    "targets": LayerSpec(
        "targets", "指标 Indicators", "规划指标表：2020 基期值与 2025 目标值（按原文）",
        {**_COMMON, "table": "表 table", "indicator": "指标 indicator", "unit": "单位 unit",
         "category": "类别 category", "base_2020": "2020年 base", "target_2025": "2025年 target",
         "kind": "属性 kind"}, required=tuple(columns(Target))),
    "travel_targets": LayerSpec(
        "travel_targets", "出行时间目标 Travel-time targets", "规划中的出行时间目标（如“15-30-60分钟”交通圈）",
        {**_COMMON, "origin": "起点 origin", "destinations": "目的地 destinations", "minutes": "分钟 minutes",
         "mode": "方式 mode", "text": "原文 text"}, required=tuple(columns(TravelTarget))),
    "printed_totals": LayerSpec(
        "printed_totals", "原文合计 Printed totals", "规划表格中印出的小计与合计，供审计核对",
        {**_COMMON, "list_name": "清单 list", "section": "类别 section", "column": "列 column",
         "value_yi": "金额(亿元) 100M CNY", "label": "标签 label"}, required=tuple(columns(PrintedTotal))),
    "audit_findings": LayerSpec(
        "audit_findings", "审计结果 Audit findings", "planmap audit 的结果：原文合计与逐行求和的差异、自相矛盾的行",
        {**_COMMON, "kind": "类型 kind", "where_": "位置 where", "message": "说明 message",
         "printed": "原文值 printed", "computed": "计算值 computed"},
        required=("plan", "kind", "message", "source_line")),
    "plans": LayerSpec(
        "plans", "规划 Plans", "五部规划的文本文件、标题与校验和",
        {"plan": "规划编号 plan", "title_zh": "标题 title", "file": "文件 file", "lines": "行数 lines",
         "sha256": "校验和 sha256"}, required=("plan", "title_zh", "file", "sha256")),
}

_STRUCT = {**_COMMON, "id": "编号 id", "structure": "空间结构 pattern", "role": "功能定位 role",
           "area_stated_km2": "规划面积(平方公里) stated km²", "length_km": "长度(公里) length km",
           "recipe": "配方 recipe line", "note": "说明 note", "aliases": "别名 aliases",
           "n_projects": "项目数 projects", "total_investment_yi": "总投资(亿元) total",
           "fyp_investment_yi": "十四五投资(亿元) 2021-25", "project_land_m2": "项目用地(平方米) project land m²"}
_STRUCT_REQ = ("id", "plan", "structure", "name_zh", "kind", "quality", "source_ref")

LAYERS.update({
    "structures": LayerSpec(
        "structures", "空间结构（面） Structures (areas)", "规划的片区、核心、组团等面状空间结构（按配方生成，注明几何来源）",
        _STRUCT, required=_STRUCT_REQ, geometry_type="MultiPolygon"),
    "structure_lines": LayerSpec(
        "structure_lines", "空间结构（线） Structures (lines)", "规划的轴线、廊道、走廊与线路（按配方生成）",
        _STRUCT, required=_STRUCT_REQ, geometry_type="MultiLineString"),
    "structure_points": LayerSpec(
        "structure_points", "空间结构（点） Structures (points)", "规划的节点、站点与枢纽（按配方生成）",
        _STRUCT, required=_STRUCT_REQ, geometry_type="Point"),
    "parcels": LayerSpec(
        "parcels", "地块 Parcels", "规划点名的地块：按规划面积绘制的示意图形，位置未知（quality=schematic）",
        {**_COMMON, "parcel_id": "地块标识 parcel id", "code": "地块编号(原文) code", "code_norm": "地块编号(规范) code",
         "block": "街坊 block", "zone_id": "所在片区 zone", "zone_name": "片区名称 zone name",
         "area_stated_m2": "规划面积(平方米) stated m²", "area_m2": "图形面积(平方米) drawn m²",
         "area_rule": "面积依据 area rule", "placed_by": "定位规则 placement rule",
         "n_projects": "项目数 projects", "total_investment_yi": "总投资(亿元) total",
         "fyp_investment_yi": "十四五投资(亿元) 2021-25", "intensity_wan_per_m2": "投资强度(万元/平方米) intensity",
         "district": "行政区 district", "structure_ids": "所在结构 structures",
         "period_start": "最早开工年 first start", "period_end": "最晚完工年 last end"},
        required=("parcel_id", "plan", "code", "code_norm", "block", "quality", "source_ref"),
        geometry_type="MultiPolygon"),
    "project_sites": LayerSpec(
        "project_sites", "项目位置 Project sites", "已定位的项目（按地块、空间结构或地名定位，located_by 说明依据）",
        {**_COMMON, **PROJECT_ALIASES, "project_id": "项目标识 project id", "located_by": "定位依据 located by",
         "located_on": "定位对象 located on", "parcel_ids": "地块 parcels", "structure_id": "空间结构 structure",
         "district": "行政区 district", "in_rollup": "计入汇总 in rollup"},
        required=("project_id", "plan", "name", "located_by", "source_line"), geometry_type="Point"),
    "unlocated_projects": LayerSpec(
        "unlocated_projects", "未定位项目 Unlocated projects", "文本未给出地块、结构或地名的项目，及原因",
        {**_COMMON, **PROJECT_ALIASES, "project_id": "项目标识 project id", "reason": "原因 reason",
         "in_rollup": "计入汇总 in rollup"},
        required=("project_id", "plan", "name", "reason", "source_line")),
    "parcel_projects": LayerSpec(
        "parcel_projects", "地块-项目 Parcel projects", "项目与地块的对应及按面积分摊的投资",
        {"project_id": "项目标识 project id", "parcel_id": "地块标识 parcel id", "share": "分摊比例 share",
         "total_investment_yi": "总投资(亿元) total", "fyp_investment_yi": "十四五投资(亿元) 2021-25"},
        required=("project_id", "parcel_id", "share")),
    "plan_rollup": LayerSpec(
        "plan_rollup", "规划汇总 Plan rollup", "各规划项目数与投资：已定位与未定位之和等于表格合计",
        {"plan": "规划编号 plan", "n_projects": "项目数 projects", "n_located": "已定位 located",
         "n_unlocated": "未定位 unlocated"}, required=("plan", "n_projects", "n_located", "n_unlocated")),
    "quota_use": LayerSpec(
        "quota_use", "指标使用 Quota use",
        "规划文本中各用地数字的类别与片区；仅片区建设用地指标（2021-2025）与片区内已定位项目的用地比较",
        {"plan": "规划编号 plan", "zone": "片区(原文) zone", "item": "指标 item", "zone_id": "片区编号 zone id",
         "zone_matched": "匹配名称 matched", "projects_land_m2": "项目用地(平方米) project land m²",
         "share_used": "使用比例 share used", "quota_class": "指标类别 quota class",
         "quota_class_zh": "类别名称 class label", "class_words": "判定依据 class words",
         "zone_match": "匹配方式 zone match", "comparable": "可比 comparable", "flag": "标记 flag"},
        required=("plan", "zone", "item", "source_line", "quota_class")),
    "planned_links": LayerSpec(
        "planned_links", "规划路桥轨道 Planned links", "规划承诺的道路、桥梁与轨道（含设计速度）；规划情景并入路网计算可达性",
        {**_COMMON, "id": "编号 id", "design_speed_kmh": "设计速度(公里/时) design speed",
         "length_km": "长度(公里) length km", "note": "说明 note"},
        required=("id", "name_zh", "kind", "design_speed_kmh", "quality", "source_ref"),
        geometry_type="MultiLineString"),
    "travel_target_results": LayerSpec(
        "travel_target_results", "出行时间目标核算 Travel-time checks",
        "各规划出行时间目标：规定分钟、按路网计算的分钟、是否达到（无路网时注明）",
        {"plan": "规划编号 plan", "source_line": "原文行号 source line", "origin": "起点 origin",
         "destination": "目的地 destination", "minutes_stated": "规定分钟 stated", "minutes_computed": "计算分钟 computed",
         "status": "结论 status", "network": "路网 network", "computed_at": "计算时间 computed at", "note": "说明 note"},
        required=("plan", "source_line", "origin", "minutes_stated", "status")),
    "entities": LayerSpec(
        "entities", "跨规划项目 Projects across plans",
        "几部规划都列出的同一项目：各规划的数字并列，不一致处注明（不改动任何一部规划的数字）",
        {"entity_id": "实体编号 entity id", "name_zh": "名称 name", "plans": "规划 plans",
         "n_members": "条目数 rows", "n_disagreements": "不一致项 disagreements",
         "disagreements": "不一致说明 what differs"},
        required=("entity_id", "name_zh", "plans", "n_members")),
    "entity_members": LayerSpec(
        "entity_members", "跨规划项目条目 Entity rows",
        "跨规划项目的每一条：所在规划、清单、原文行号与该规划给出的数字和定位",
        {**PROJECT_ALIASES, "entity_id": "实体编号 entity id", "project_id": "项目标识 project id",
         "plan": "规划编号 plan", "source_line": "原文行号 source line", "located_by": "定位依据 located by",
         "located_on": "定位于 located on", "district": "行政区 district"},
        required=("entity_id", "project_id", "plan", "source_line")),
    "coverage": LayerSpec(
        "coverage", "规划要素上图情况 Coverage",
        "各规划所列空间要素（结构、轴带廊道、节点、港区园区、道路轨道）是否已上图，未上图的说明原因",
        {"plan": "规划 plan", "name_zh": "要素名称 element", "kind": "类型 kind", "lines": "原文行号 plan lines",
         "source_line": "首个行号 first line", "feature": "图上要素 feature", "mapped": "已上图 mapped",
         "quality": "图形质量 shape quality", "why": "未上图原因 why not", "note": "说明 note"},
        required=("plan", "name_zh", "kind", "lines", "mapped")),
    "worklist": LayerSpec(
        "worklist", "待数字化清单 Digitising worklist",
        "勾绘与示意要素按其上项目数与投资排序：GIS 人员先数字化最要紧的",
        {"rank": "顺序 rank", "layer": "图层 layer", "feature": "要素 feature", "plan": "规划编号 plan",
         "name": "名称 name", "quality": "几何来源 shape quality", "accuracy_m": "精度(米) accuracy m",
         "n_direct": "直接定位项目数 projects on it", "direct_investment_yi": "直接定位投资(亿元) on it",
         "n_projects": "项目数 projects", "total_investment_yi": "总投资(亿元) total 100M CNY",
         "fyp_investment_yi": "十四五投资(亿元) 2021-25 100M CNY", "source_ref": "规划依据 plan reference",
         "why": "理由 why first"},
        required=("rank", "layer", "feature", "quality", "n_projects", "total_investment_yi")),
})

SPATIAL = [name for name, spec in LAYERS.items() if spec.geometry_type]
