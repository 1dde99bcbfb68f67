"""Turning Chinese (and mixed) text into index tokens, and a search term into a token phrase.

Neither SQLite's FTS5 trigram tokenizer (no match under three characters) nor pg_trgm (no index use for a
two-character LIKE) finds the two-character terms enforcement officers search for most (挂床, 串换, 骗保).
So the text is tokenised here, in Python, the same way for both databases: every run of CJK characters
becomes its overlapping bigrams followed by the run's last character alone (挂床住院 → 挂床 床住 住院 院),
every run of ASCII letters and digits one lowercased word. The tokens are joined by spaces; both SQLite
FTS5 (unicode61) and PostgreSQL's `simple` text-search configuration read each space-separated token as
one word at its own position, so a term becomes a phrase of adjacent tokens (docs/decisions/0004-search.md).
"""
import re
from dataclasses import dataclass

# CJK ideographs (unified, extension A, compatibility) — the characters the bigrams are made of
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECE = re.compile(rf"([{_CJK}]+)|([0-9A-Za-z]+)")
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ０-９ Ａ-Ｚ … → ASCII


def normalise(text: str) -> str:
    """Full-width letters and digits as ASCII (Ａ１ → A1), so either spelling finds the other."""
    return (text or "").translate(_FULLWIDTH)


def _pieces(text: str):
    """(is_cjk, piece) for every run of CJK characters or of ASCII letters/digits, in order."""
    for match in _PIECE.finditer(normalise(text)):
        if match.group(1):
            yield True, match.group(1)
        else:
            yield False, match.group(2).lower()


def _run_tokens(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_tokens(text: str) -> list[str]:
    """The tokens of `text` in order: CJK bigrams + the run's last character, lowercased ASCII words."""
    tokens = []
    for is_cjk, piece in _pieces(text):
        tokens.extend(_run_tokens(piece) if is_cjk else [piece])
    return tokens


def index_text(text: str) -> str:
    return " ".join(index_tokens(text))


@dataclass(frozen=True)
class Phrase:
    """One search term as adjacent tokens; `prefix`: the last token matches any token starting with it."""
    tokens: tuple[str, ...]
    prefix: bool = False


def term_phrase(term: str) -> Phrase | None:
    """The phrase that finds `term` wherever it occurs in indexed text, or None when it has no letters,
    digits or CJK characters.

    A CJK run inside the term ends where the text's run ends when ASCII follows it (so its last
    character alone is part of the phrase); the term's final run may end inside a longer run of the text
    (so it stops at its last bigram, and a final single character is a prefix of the next token).
    """
    pieces = list(_pieces(term))
    if not pieces:
        return None
    tokens: list[str] = []
    prefix = False
    for position, (is_cjk, piece) in enumerate(pieces):
        last = position == len(pieces) - 1
        if not is_cjk:
            tokens.append(piece)
        elif not last:
            tokens.extend(_run_tokens(piece))
        elif len(piece) == 1:
            tokens.append(piece)
            prefix = True
        else:
            tokens.extend(piece[i:i + 2] for i in range(len(piece) - 1))
    return Phrase(tuple(tokens), prefix)


def split_terms(query: str) -> list[str]:
    """The query's whitespace-separated terms (all must match), without duplicates, at most 10."""
    seen = []
    for term in normalise(query).split():
        if term not in seen and term_phrase(term) is not None:
            seen.append(term)
    return seen[:10]


def fts5_match(phrases: list[Phrase]) -> str:
    """An FTS5 MATCH expression: every phrase, AND-ed. Tokens are letters, digits and CJK only, so quoting
    them in double quotes is safe."""
    return " AND ".join('"' + " ".join(p.tokens) + '"' + ("*" if p.prefix else "") for p in phrases)


def pg_tsquery(phrases: list[Phrase]) -> str:
    """A to_tsquery('simple', …) expression: tokens joined by <-> (adjacent), phrases by &."""
    parts = []
    for p in phrases:
        words = [f"'{t}'" for t in p.tokens]
        if p.prefix:
            words[-1] += ":*"
        parts.append("(" + " <-> ".join(words) + ")")
    return " & ".join(parts)
