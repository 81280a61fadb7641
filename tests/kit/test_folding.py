"""Search folding (api/kit/folding.py): one rule for stored and matched text, and its grams."""

from __future__ import annotations

import pytest

from api.kit.folding import fold, grams, like_pattern, query_grams


@pytest.mark.parametrize("written", ["てすと", "ﾃｽﾄ", "テスト", "ﾃｽﾄ  "])
def test_hiragana_half_and_full_width_katakana_fold_alike(written):
    assert fold(written) == "テスト"


def test_voiced_half_width_katakana_composes():
    # ｶﾞ is two half-width characters; NFKC composes them into one ガ.
    assert fold("ｶﾞｲﾄﾞ") == fold("がいど") == "ガイド"


def test_full_width_ascii_and_case_fold_to_plain_lower_case():
    assert fold("ＡＣＭＥ　Ｃｏｒｐ") == "acme corp"  # the ideographic space too
    assert fold("Straße") == fold("STRASSE")


def test_grams_are_each_character_and_each_pair_once():
    assert grams("売上売上") == ["売", "売上", "上", "上売"]
    assert grams("a b") == ["a", "a ", " b", "b"]


def test_a_query_needs_its_pairs_or_its_one_character():
    assert query_grams("売上") == ["売上"]
    assert query_grams("売") == ["売"]
    assert query_grams("今月の売上") == ["今月", "月の", "の売", "売上"]
    assert query_grams(" ") == []
    # Every gram a query needs is a gram of any text that contains it.
    text = fold("株式会社 今月の売上レポート")
    for query in ("売上", "売", "の売上", "社 今", "レポート"):
        assert set(query_grams(fold(query))) <= set(grams(text)), query


def test_long_queries_use_a_bounded_number_of_grams():
    assert len(query_grams("a" * 3 + "abcdefghijklmnopqrstuvwxyz")) == 8


def test_like_pattern_matches_wildcards_literally():
    assert like_pattern("50%_off/") == "%50/%/_off//%"
