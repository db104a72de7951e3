"""`news_values`: normalized values of MONEY, PERCENT, QUANTITY and DATE entities.

Runs after `news_resolve` and writes extension attributes on each entity
(`ent._.amount`, `._.currency`, `._.qualifier`, `._.amount_max`,
`._.equivalent_of`, `._.value`, `._.value_max`, `._.unit`, `._.value_si`,
`._.unit_si`), so `nlp(text)` alone gives every value. Relative dates
resolve against `doc._.published` (ISO date), which the caller sets on the
Doc before running the pipeline (`pipeline.extract` does it from the
article's own dateline). The amount lexicon is the one `news_numbers` found
the spans with: the words that make a span are the words that give its value.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.components.normalization import normalize_date, normalize_money, normalize_percent, normalize_quantity
from pipeline.components.spans import doc_text

VALUE_ATTRS = ("amount", "amount_max", "currency", "qualifier", "equivalent_of", "value", "value_max", "unit",
               "value_si", "unit_si")
for _attr in VALUE_ATTRS:
    if not Span.has_extension(_attr):
        Span.set_extension(_attr, default=None)
if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)

# "120 million yuan ($17.3 million)": what may stand between an amount and its conversion.
CONVERSION_GAP_RE = re.compile(r"\s*\(\s*(?:about\s|around\s|or\s|approximately\s)?")


@Language.factory("news_values", assigns=[f"span._.{a}" for a in VALUE_ATTRS],
                  default_config={"numbers_component": "news_numbers"})
def make_news_values(nlp: Language, name: str, numbers_component: str) -> "ValueNormalizer":
    return ValueNormalizer(nlp, name, numbers_component)


class ValueNormalizer:
    """Sets the normalized value attributes of every numeric and date entity."""

    def __init__(self, nlp: Language, name: str, numbers_component: str):
        self.nlp = nlp
        self.name = name
        self.numbers_component = numbers_component

    def __call__(self, doc: Doc) -> Doc:
        lexicon = self.nlp.get_pipe(self.numbers_component).lexicon
        published = doc._.published
        previous_money = None
        text = doc_text(doc)
        for ent in doc.ents:
            label = ent.label_
            if label == "DATE":
                values = normalize_date(ent.text, published)
            elif lexicon is None:
                continue
            elif label == "MONEY":
                values = normalize_money(ent.text, lexicon)
            elif label == "PERCENT":
                values = normalize_percent(ent.text, lexicon)
            elif label == "QUANTITY":
                values = normalize_quantity(ent.text, lexicon)
            else:
                continue
            for key, value in values.items():
                setattr(ent._, key, value)
            if label == "MONEY":
                if previous_money is not None and previous_money._.currency != ent._.currency and _is_conversion(
                        text, previous_money, ent):
                    ent._.equivalent_of = previous_money.start_char
                previous_money = ent
        return doc


def _is_conversion(text: str, first: Span, second: Span) -> bool:
    """The second amount stands in brackets right after the first."""
    gap = text[first.end_char:second.start_char]
    return bool(CONVERSION_GAP_RE.fullmatch(gap)) and text[second.end_char:second.end_char + 1] == ")"


def span_values(span: Span) -> dict:
    """The value attributes set on `span` (None values left out)."""
    return {a: getattr(span._, a) for a in VALUE_ATTRS if getattr(span._, a) is not None}
