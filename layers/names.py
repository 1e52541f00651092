"""When two spellings of a name are one name: for search and for projects listed by several plans.

The plans print the same name in several hands: full-width or ASCII brackets (安全（应急）, 安全(应急)),
with or without the bracketed word, with spaces, quotes or 《》, with or without the city in front
(中国温州…, 温州…). :func:`name_key` folds what never changes meaning — width, brackets, quotes,
spaces, punctuation, Latin case — and is what search compares. :func:`entity_key` also drops the
place prefixes and the 项目/工程 endings that plans add or leave out, and is what groups one real
project listed by several plans into an entity (:mod:`layers.entities`).
"""

import re
import unicodedata

_FOLD = re.compile(r"[\s()（）\[\]【】{}「」『』“”‘’\"'《》〈〉<>·・、，,。.:：;；!！?？_\-—–－]+")
#: Place prefixes a plan may put before a name that another plan leaves out.
_PREFIXES = ("中国", "浙江省", "浙江", "温州市", "温州")
#: Endings a plan may add to a name that another plan leaves out.
_SUFFIXES = ("建设项目", "投资项目", "新建项目", "项目", "工程")


def name_key(text):
    """``中国温州安全（应急）产业园`` and ``中国温州 安全(应急)产业园`` → ``中国温州安全应急产业园``."""
    if text is None:
        return ""
    return _FOLD.sub("", unicodedata.normalize("NFKC", str(text))).lower()


def entity_key(text):
    """:func:`name_key` without place prefixes and project endings; ``""`` when too little is left to
    name one thing (a name of fewer than three characters groups nothing)."""
    key = name_key(text)
    changed = True
    while changed:
        changed = False
        for p in _PREFIXES:
            if key.startswith(p) and len(key) - len(p) >= 4:
                key, changed = key[len(p):], True
        for s in _SUFFIXES:
            if key.endswith(s) and len(key) - len(s) >= 4:
                key, changed = key[: -len(s)], True
    return key if len(key) >= 3 else ""
