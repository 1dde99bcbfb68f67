"""Search tokens: CJK bigrams that find terms of any length, and snippets that mark every match."""
from caseflow.search.queries import Hit, make_snippet
from caseflow.search.tokens import fts5_match, index_tokens, pg_tsquery, split_terms, term_phrase


def occurs(term: str, text: str) -> bool:
    """Whether the term's phrase appears in the text's tokens (adjacent, last one as a prefix if marked)."""
    phrase, tokens = term_phrase(term), index_tokens(text)
    n = len(phrase.tokens)
    for i in range(len(tokens) - n + 1):
        window = tokens[i:i + n]
        if window[:-1] == list(phrase.tokens[:-1]) and (
                window[-1].startswith(phrase.tokens[-1]) if phrase.prefix else window[-1] == phrase.tokens[-1]):
            return True
    return False


TEXT = "经查，福州康宁医院存在挂床住院、串换药品等骗保行为，案号榕医保罚〔2025〕12号，信用代码 91350100M000100Y43。"


def test_bigrams_with_the_last_character_of_each_run():
    assert index_tokens("挂床住院，骗保 ＡＢ12") == ["挂床", "床住", "住院", "院", "骗保", "保", "ab12"]


def test_terms_of_every_length_are_found_where_they_occur_and_nowhere_else():
    for term in ("挂床", "串换", "骗保", "挂床住", "挂床住院", "康宁医院存", "院", "福", "罚〔2025〕12号", "2025",
                 "91350100m000100y43", "91350100M000100Y43", "榕医保罚"):
        assert occurs(term, TEXT), term
    for term in ("床挂", "住院串", "挂床住院骗保", "2024", "骗保案", "院存在挂床住院行为"):
        assert not occurs(term, TEXT), term


def test_match_expressions_for_both_databases():
    phrases = [term_phrase("挂床住院"), term_phrase("院")]
    assert fts5_match(phrases) == '"挂床 床住 住院" AND "院"*'
    assert pg_tsquery(phrases) == "('挂床' <-> '床住' <-> '住院') & ('院':*)"


def test_query_terms_ignore_punctuation_only_words_and_duplicates():
    assert split_terms("  挂床  ， 骗保 挂床 ") == ["挂床", "骗保"]


def test_snippet_marks_every_match_and_escapes_html():
    body = "<b>当事人</b>存在挂床住院行为。" + "无关内容" * 40 + "再次挂床。"
    snippet, ranges = make_snippet(body, ["挂床"])
    assert [snippet[a:b] for a, b in ranges] == ["挂床"]
    hit = Hit("evidence", "证据", 1, 1, None, "", "", "", "", 0.0, snippet, ranges)
    assert hit.snippet_html.startswith("&lt;b&gt;当事人&lt;/b&gt;存在<mark>挂床</mark>住院")
    far, far_ranges = make_snippet(body, ["再次"])
    assert far.startswith("…") and [far[a:b] for a, b in far_ranges] == ["再次"]
