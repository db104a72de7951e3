"""Shared helper of the rule components: candidate spans into doc.spans."""

from __future__ import annotations

from typing import Iterable

from spacy.tokens import Doc

# A line reads as a Title Case headline when this share of its longer words is capitalized.
HEADLINE_CAPITALIZED_SHARE = 0.7
HEADLINE_MIN_WORDS = 4


def add_char_spans(doc: Doc, spans_key: str, found: Iterable[tuple[int, int, str]]) -> Doc:
    """Add (start_char, end_char, label) candidates to doc.spans[spans_key].

    Offsets are widened to token boundaries ("RMB7.5" is one token); the
    group may hold overlapping candidates, news_resolve chooses among them.
    """
    group = list(doc.spans.get(spans_key, []))
    for start, end, label in found:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            group.append(span)
    doc.spans[spans_key] = group
    return doc


def doc_text(doc: Doc) -> str:
    """doc.text, built once per Doc: spaCy rebuilds it from the tokens on every access."""
    text = doc.user_data.get("news.text")
    if text is None:
        text = doc.user_data["news.text"] = doc.text
    return text


def in_headline(doc: Doc, start: int) -> bool:
    """Whether token `start` is on a line written in Title Case (the model and the
    name shapes both guess wildly there)."""
    text = doc_text(doc)
    idx = doc[start].idx
    line = text[text.rfind("\n", 0, idx) + 1: (text.find("\n", idx) + 1 or len(text) + 1) - 1]
    words = [w for w in line.split() if len(w) > 3 and w[0].isalpha()]
    if len(words) < HEADLINE_MIN_WORDS:
        return False
    return sum(1 for w in words if w[0].isupper()) / len(words) >= HEADLINE_CAPITALIZED_SHARE
