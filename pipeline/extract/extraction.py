"""Entity extraction: the spaCy pipeline from models/, run on clean text,
with every span mapped back to raw-file offsets and normalized.
"""

from __future__ import annotations

import re
from pathlib import Path

import spacy
from spacy.language import Language

import pipeline.components  # noqa: F401  (registers the news_* factories)
from pipeline.clean.cleaner import CleanedDocument
from pipeline.components.grounding import canonical_orgs, ground_places
from pipeline.components.lexicon import Lexicon, lexicon_path, load_lexicon
from pipeline.components.normalization import normalize_date, normalize_money, normalize_percent, normalize_quantity
from pipeline.run.outputs import ENTITY_FIELDS
from pipeline.settings import Settings

# Characters the tokenizer handles badly, replaced one-for-one (offsets unchanged).
MODEL_TEXT_TRANSLATION = str.maketrans({"\u00a0": " ", "\u3000": " ", "\u2009": " ", "\u202f": " ", "\t": " "})
CONVERSION_GAP_RE = re.compile(r"\s*\(\s*(?:about\s|around\s|or\s|approximately\s)?$")


def load_pipeline(settings: Settings) -> Language:
    """Assemble the extractor from models/config.cfg.

    Args:
        settings: `extract.model` names the installed spaCy pipeline whose
            NER is sourced; `models_dir` holds the config and its data files.
    """
    models_dir = Path(settings.models_dir)
    config = spacy.util.load_config(
        models_dir / "config.cfg",
        overrides={"paths.models": str(models_dir), "components.ner.source": settings.extract.model},
        interpolate=True,
    )
    try:
        nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    except OSError as exc:
        raise RuntimeError(
            f"spaCy pipeline {settings.extract.model!r} is not installed (pip install it, or pass "
            f"--model with an installed one): {exc}"
        ) from None
    init = config.get("initialize", {}).get("components", {})
    for name in nlp.pipe_names:
        component = nlp.get_pipe(name)
        if name in init and hasattr(component, "initialize"):
            component.initialize(lambda: [], nlp=nlp, **init[name])
    return nlp


def model_text(text: str) -> str:
    """The clean text as the model sees it: same length, odd spaces made plain."""
    return text.translate(MODEL_TEXT_TRANSLATION)


def entities_from_doc(doc_id: str, raw: str, cleaned: CleanedDocument, spacy_doc, lexicon: Lexicon,
                      labels: tuple[str, ...], names=None) -> list[dict]:
    """Entity records in raw coordinates, sorted by start.

    Args:
        doc_id: the document id written into each record.
        raw: the decoded raw file (spans satisfy raw[start:end] == text).
        cleaned: the cleaning result, whose offsets map clean text to raw.
        spacy_doc: the pipeline's output on `model_text(cleaned.text)`.
        lexicon: the amount lexicon used to normalize values.
        labels: labels to keep.
        names: the pipeline's news_names component, whose gazetteer and name
            shapes ground places and organizations (skipped when None).
    """
    records: list[dict] = []
    for ent in spacy_doc.ents:
        if ent.label_ not in labels:
            continue
        mapped = cleaned.offsets.to_raw(ent.start_char, ent.end_char)
        if mapped is None:
            continue
        start, end = mapped
        text = raw[start:end]
        record = {"doc": doc_id, "label": ent.label_, "start": start, "end": end, "text": text}
        clean_text = ent.text
        if ent.label_ == "MONEY":
            record.update(normalize_money(clean_text, lexicon))
        elif ent.label_ == "PERCENT":
            record.update(normalize_percent(clean_text, lexicon))
        elif ent.label_ == "QUANTITY":
            record.update(normalize_quantity(clean_text, lexicon))
        elif ent.label_ == "DATE":
            record.update(normalize_date(clean_text, cleaned.published))
        records.append(record)
    records.sort(key=lambda r: (r["start"], r["end"]))
    _mark_conversions(raw, records)
    if names is not None and names.gazetteer is not None:
        ground_places(records, raw, names.gazetteer, names.shapes)
        canonical_orgs(records, raw, names.gazetteer)
    return [_ordered(r) for r in records]


def _mark_conversions(raw: str, records: list[dict]) -> None:
    """"120 million yuan ($17.3 million)": the second amount converts the first."""
    previous = None
    for record in records:
        if record["label"] != "MONEY":
            continue
        if previous is not None and previous["currency"] != record.get("currency"):
            gap = raw[previous["end"]:record["start"]]
            if CONVERSION_GAP_RE.fullmatch(gap) and raw[record["end"]:record["end"] + 1] == ")":
                record["equivalent_of"] = previous["start"]
        previous = record


def _ordered(record: dict) -> dict:
    out = {k: record[k] for k in ENTITY_FIELDS if k in record and record[k] is not None}
    out.update({k: v for k, v in record.items() if k not in out and v is not None})
    return out


def lexicon_for(settings: Settings) -> Lexicon:
    return load_lexicon(lexicon_path(Path(settings.models_dir)))
