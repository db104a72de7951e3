"""`news_resolve`: merge rule spans and statistical NER into `doc.ents`.

Rule spans (numbers, dates, names) win over the model where they overlap,
longest first. Model entities fill the rest after mapping labels
(GPE/LOC -> PLACE) and dropping the model's known confusions: events and
policies called ORG, lone surnames, photo credits, lower-case words.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.components.names import NameShapes, load_shapes
from pipeline.gazetteer import Gazetteer, load_gazetteer

SPANS_KEY = "news_rules"
NER_LABELS = {"ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE"}
STRIP_LEADING = {"the", "The"}
STRIP_TRAILING = {"'s", "’s", "'", "’", ",", ".", ")", "(", "-", ":", ";", '"', "“", "”"}


@Language.factory(
    "news_resolve",
    assigns=["doc.ents"],
    default_config={"spans_key": SPANS_KEY, "labels": ["ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY"]},
)
def make_news_resolve(nlp: Language, name: str, spans_key: str, labels: list[str]) -> "EntityResolver":
    return EntityResolver(name, spans_key, labels)


class EntityResolver:
    def __init__(self, name: str, spans_key: str, labels: list[str]):
        self.name = name
        self.spans_key = spans_key
        self.labels = set(labels)
        self.shapes: NameShapes | None = None
        self.gazetteer: Gazetteer | None = None

    def initialize(self, get_examples=None, *, nlp=None, shapes_path: str = "", gazetteer_dir: str = "") -> None:
        self.shapes = load_shapes(Path(shapes_path))
        self.gazetteer = load_gazetteer(Path(gazetteer_dir))

    def to_disk(self, path, exclude=()):
        pass

    def from_disk(self, path, exclude=()):
        return self

    def __call__(self, doc: Doc) -> Doc:
        rules = [s for s in doc.spans.get(self.spans_key, []) if s.label_ in self.labels]
        chosen = filter_spans(rules)
        taken = set()
        for span in chosen:
            taken.update(range(span.start, span.end))
        model = []
        for ent in doc.ents:
            span = self._from_model(doc, ent)
            if span is not None and not any(k in taken for k in range(span.start, span.end)):
                model.append(span)
        doc.ents = sorted(filter_spans(chosen + model), key=lambda s: s.start)
        return doc

    def _from_model(self, doc: Doc, ent: Span) -> Span | None:
        label = NER_LABELS.get(ent.label_)
        if label is None or label not in self.labels:
            return None
        start, end = ent.start, ent.end
        while start < end and (doc[start].text in STRIP_LEADING or doc[start].is_punct):
            start += 1
        while end > start and (doc[end - 1].text in STRIP_TRAILING or doc[end - 1].is_punct):
            end -= 1
        if start >= end:
            return None
        span = doc[start:end]
        text = span.text
        shapes, gaz = self.shapes, self.gazetteer
        if not any(c.isupper() for c in text) or "/" in text or "@" in text or "\n" in text:
            return None
        if shapes is not None:
            if text.lower() in shapes.false_orgs or doc[end - 1].text in shapes.not_org_heads:
                return None
            if end - start == 1 and text in shapes.surnames:
                return None
        if gaz is not None:
            if label == "ORG" and gaz.place_candidates(text) and not gaz.org(text):
                label = "PLACE"
            elif label == "PLACE" and gaz.org(text):
                label = "ORG"
        return Span(doc, start, end, label=label)
