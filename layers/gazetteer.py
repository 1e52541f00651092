"""Places the plans name, and the one rule by which a text names a place.

The rule (:func:`whole_names`): a name is found in a text only as a *whole name*, never as part of a
longer word or toponym. Chinese has no spaces, so "whole" is decided by the characters around the
occurrence:

1. a name shorter than two characters never matches;
2. longer names are taken first, and a shorter name inside a longer one already taken is not found
   again (瓯海生命健康小镇 is one name, not also 瓯海; 瓯海区 is 瓯海区, not also 瓯海);
3. the occurrence must not be *followed* by a character that continues it into a longer toponym: a
   road, street, bridge, village, building, river or line (:data:`CONTINUES`: 路 大道 街 巷 桥 村 楼
   河 线 …) — 瓯海 in 瓯海大道 is a road, 虹桥 in 六虹桥路 a road; an administrative suffix is not
   such a continuation (瓯江口新区街道 is the 街道 of that name, not a street);
4. the occurrence must not be *preceded* by a character that glues it to a word in front
   (:data:`GLUED_AFTER`: a numeral, or the last character of a road, line, bridge or building name) —
   虹桥 in 六虹桥路, 内环 in 楼内环境, 桥下 in S1线桥下空间. 道 is not such a character: 省道瓯海段 and
   国道洞头灵昆段 name the 瓯海 and 洞头 sections of a road.

Rule 4 also refuses a real place written straight after a line or road name (灵昆 in 「S1 线灵昆车辆段」);
such rows are found by their longer names (市域铁路 S1 线) or stay unlocated with the reason — a place
missed is shown as missing, a place wrongly found would be shown as a fact.
"""

#: after a name: these make it part of a longer toponym (a road, bridge, village, building …)
CONTINUES = ("大道", "大桥", "隧道", "公路", "高速", "路", "街", "巷", "弄", "道", "桥", "村", "楼", "河", "溪",
             "线", "号", "幢", "栋")
#: before a name: a numeral, or the end of a road / line / building name, glues the two into one word
GLUED_AFTER = set("一二三四五六七八九十〇零0123456789路街巷桥线楼村号幢栋")
#: after a name these are an administrative unit of that name (瓯江口新区街道, 灵昆街道), not a street
ADMIN_AFTER = ("街道", "镇", "乡", "区", "县", "市")


def whole_names(text, names):
    """The whole names of ``names`` found in ``text``: ``[(name, start), …]`` by position.

    See the module docstring for the rule. ``names`` is any iterable of strings; longer names are
    taken first and the text they cover is not searched again for shorter ones.
    """
    text = str(text or "")
    taken = [False] * len(text)
    found = []
    for name in sorted({n for n in names if n and len(n) >= 2}, key=lambda n: (-len(n), n)):
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(taken[start:end]) and _is_whole(text, start, end):
                found.append((name, start))
                for i in range(start, end):
                    taken[i] = True
            start = text.find(name, start + 1)
    return sorted(found, key=lambda f: f[1])


def _is_whole(text, start, end):
    after = text[end:]
    if after.startswith(ADMIN_AFTER):
        return not (start > 0 and text[start - 1] in GLUED_AFTER)
    if any(after.startswith(c) for c in CONTINUES):
        return False
    if start > 0 and text[start - 1] in GLUED_AFTER:
        return False
    return True


def why_not_whole(text, name):
    """Why ``name`` occurs in ``text`` but not as a whole name (for unlocated reasons), or ''."""
    text = str(text or "")
    i = text.find(name)
    if i < 0:
        return ""
    lo, hi = max(0, i - 1), min(len(text), i + len(name) + 2)
    return f"「{name}」 only as part of 「{text[lo:hi]}」"
