"""Shared helper of the rule components: candidate spans into doc.spans."""

from __future__ import annotations

from typing import Iterable

from spacy.tokens import Doc


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
