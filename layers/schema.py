"""The layers of the GeoPackage: names, Chinese titles, column aliases and required columns.

One place that says what every layer holds, used by the builder (to write titles and aliases), by
``planmap check`` (to require columns) and by the README's layer table (a test keeps them in step).
"""

from .plans.model import Project, Quota, Target, TravelTarget, PrintedTotal, columns
from .store import LayerSpec

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
    "build_type": "建设性质 build type", "period_start": "开工年 start", "period_end": "完工年 end",
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
        {**_COMMON, **PROJECT_ALIASES}, required=tuple(columns(Project))),
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

SPATIAL = [name for name, spec in LAYERS.items() if spec.geometry_type]
