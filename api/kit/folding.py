"""Search text folded the same way when it is stored and when it is matched (DESIGN 7.3).

Japanese is written three ways that a person searching treats as one: hiragana (てすと),
katakana (テスト) and half-width katakana (ﾃｽﾄ); ASCII comes full-width too. Folding
applies Unicode NFKC (half-width katakana → full-width, full-width ASCII → ASCII, composed
voiced marks), then hiragana → katakana, then case folding. Matching is substring
containment on the folded text, so one- and two-character queries work (`売上` finds
`今月の売上`), which neither PostgreSQL's full-text configurations (they do not split
Japanese) nor pg_trgm (three-character grams) can index.

The index is the folded text's **grams**: every character and every pair of neighbouring
characters. A query's grams (its pairs, or its one character) are all contained in a
matching row's grams, so on PostgreSQL a GIN index on the array (``grams @> query grams``)
narrows the rows and the substring test on the folded text confirms them. SQLite has no
array index: it tests the folded text alone, which is exact and, at SQLite's sizes, fast.

Searchable tables carry ``search_text`` (the folded text) and, where they grow large,
``search_grams``. ``fold_columns`` fills both from a row's source columns; the models call it
on every ORM insert and update, a column default covers Core inserts, and bulk updates call
it themselves (services/imports.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Text, and_, bindparam
from sqlalchemy.dialects import postgresql

# ぁ (U+3041) .. ゖ (U+3096) map onto ァ (U+30A1) .. ヶ (U+30F6); ゝゞ onto ヽヾ.
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)} | {
    0x309D: 0x30FD,
    0x309E: 0x30FE,
}

# A query longer than this is matched on its first grams only (the substring test on the
# folded text is what decides); more grams make the GIN lookup slower, not more exact.
_MAX_QUERY_GRAMS = 8


def fold(text: str) -> str:
    """``text`` as search sees it: NFKC, hiragana as katakana, case-folded, spaces squeezed."""
    normalized = unicodedata.normalize("NFKC", text).translate(_HIRAGANA_TO_KATAKANA)
    return " ".join(normalized.casefold().split())


def grams(folded: str) -> list[str]:
    """The index grams of folded text: each character and each neighbouring pair, once
    each, in order of first appearance (spaces are not grams of their own)."""
    seen: dict[str, None] = {}
    for index, character in enumerate(folded):
        if not character.isspace():
            seen[character] = None
        pair = folded[index : index + 2]
        if len(pair) == 2:
            seen[pair] = None
    return list(seen)


def query_grams(folded_query: str) -> list[str]:
    """The grams a row must contain to match ``folded_query``: its pairs, or its single
    character; empty for a query of spaces."""
    if len(folded_query) == 1:
        return [] if folded_query.isspace() else [folded_query]
    pairs = dict.fromkeys(folded_query[i : i + 2] for i in range(len(folded_query) - 1))
    return list(pairs)[:_MAX_QUERY_GRAMS]


def searchable(*parts: str | Sequence[str] | None) -> str:
    """The folded text of a row from its source values (e.g. a person's name and email);
    a list value (a session's decisions) counts as its items."""
    flat = [item for part in parts if part for item in ([part] if isinstance(part, str) else part)]
    return fold(" ".join(item for item in flat if item))


def fold_columns(
    values: Mapping[str, Any], sources: Iterable[str], *, with_grams: bool
) -> dict[str, Any]:
    """``search_text`` (and ``search_grams``) for a row whose source values are ``values``."""
    text = searchable(*(values.get(name) for name in sources))
    folded: dict[str, Any] = {"search_text": text}
    if with_grams:
        folded["search_grams"] = grams(text)
    return folded


def like_pattern(folded_query: str) -> str:
    """A LIKE pattern (escape character ``/``) for text containing ``folded_query``."""
    escaped = folded_query.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def matches(
    text_column: Any, grams_column: Any | None, query: str, *, dialect: str
) -> ColumnElement[bool]:
    """The condition "the row's folded text contains the folded ``query``".

    On PostgreSQL with a grams column, the GIN-indexed containment comes first so the
    planner can start from the index; the substring test confirms. Both values are
    rendered into the statement at execution (``literal_execute``, quoted by the dialect):
    the best plan depends on the value (a rare gram starts from the GIN index, a gram in
    half the rows walks the ``created_at`` order and stops at the page), and a prepared
    statement's generic plan, chosen after five runs, took the index for every query
    (70 ms p95 for ``株式`` at 100,000 clients against under 1 ms; bench/search.py)."""
    folded = fold(query)
    contains = text_column.like(search_value("pattern", like_pattern(folded)), escape="/")
    needed = query_grams(folded)
    if grams_column is None or dialect != "postgresql" or not needed:
        return contains
    return and_(grams_column.contains(search_value("grams", needed)), contains)


def search_value(name: str, value: str | list[str]) -> BindParameter[Any]:
    """A search value rendered into the SQL at execution, so the plan fits it (above)."""
    type_ = postgresql.ARRAY(postgresql.TEXT) if isinstance(value, list) else Text()
    return bindparam(f"search_{name}", value, type_=type_, literal_execute=True, unique=True)


# What a project is about, for related learnings (DESIGN 7.5): ASCII words of three letters
# or more, and runs of two or more kanji, of katakana, or of hiragana; a single character
# (の, 株) says too little. The runs are cut before hiragana is folded to katakana, so a
# particle does not glue itself to the katakana word before it (センターの刷新: センター, 刷新).
_ASCII_WORD = re.compile(r"[a-z0-9]{3,}")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a1-\u30fa\u30fc]{2,}|[\u3041-\u3096\u30fc]{2,}")
_STOP_WORDS = frozenset({"the", "and", "for", "with", "new", "our", "from", "into"})
# Hiragana runs that are grammar, not subject (folded to katakana, as they are compared).
_KANA_STOP_WORDS = frozenset(
    {"カラ", "マデ", "ヨリ", "ナド", "ノデ", "デス", "マス", "スル", "シタ"}
)
TOPIC_SOURCES = ("title", "objective")


def topic_words(text: str) -> set[str]:
    """The words of ``text`` that say what a project is about, folded (``fold``)."""
    normalized = unicodedata.normalize("NFKC", text).casefold()
    found = set(_ASCII_WORD.findall(normalized)) - _STOP_WORDS
    japanese = {fold(run) for run in _CJK_WORD.findall(normalized)} - _KANA_STOP_WORDS
    return found | japanese


def topic_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """``topic_words`` of a project row from its title and objective, sorted (stored so
    that related learnings rank candidate projects in SQL)."""
    text = " ".join(str(values.get(name) or "") for name in TOPIC_SOURCES)
    return {"topic_words": sorted(topic_words(text))}
