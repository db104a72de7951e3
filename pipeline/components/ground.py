"""`news_ground`: a gazetteer record for every PLACE, a canonical id for every ORG.

Runs last and sets `ent._.place` ({id, name, level, province, country,
lat, lon[, parent]}) and `ent._.org` ({id, name}); the rules are in
pipeline/components/grounding.py, the gazetteer and name shapes are the
ones the `news_names` component owns.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.components.grounding import canonical_orgs, ground_places
from pipeline.components.names import NameDataUser
from pipeline.components.spans import doc_text

for _attr in ("place", "org"):
    if not Span.has_extension(_attr):
        Span.set_extension(_attr, default=None)


@Language.factory("news_ground", assigns=["span._.place", "span._.org"],
                  default_config={"names_component": "news_names"})
def make_news_ground(nlp: Language, name: str, names_component: str) -> "Grounder":
    return Grounder(nlp, name, names_component)


class Grounder(NameDataUser):
    """Grounds places and gives organizations ids, one document at a time."""

    def __init__(self, nlp: Language, name: str, names_component: str):
        super().__init__(nlp, names_component)
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        gazetteer, shapes = self.gazetteer, self.shapes
        if gazetteer is None or shapes is None:
            return doc
        ents = [e for e in doc.ents if e.label_ in ("PLACE", "ORG")]
        records = [{"label": e.label_, "start": e.start_char, "end": e.end_char, "text": e.text} for e in ents]
        text = doc_text(doc)
        ground_places(records, text, gazetteer, shapes)
        canonical_orgs(records, text, gazetteer)
        for ent, record in zip(ents, records):
            if "place" in record:
                ent._.place = record["place"]
            if "org" in record:
                ent._.org = record["org"]
        return doc
