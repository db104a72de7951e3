"""Entity extraction: the news pipeline from models/, run on clean text, with
every entity mapped back to raw-file offsets.

The spaCy pipeline does all the work (spans, values, grounding: see
pipeline/components/); this module builds it, feeds it clean text with the
article's date, and turns its entities into records in raw coordinates.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import pipeline.components  # noqa: F401  (registers the news_* factories)
from pipeline.clean.cleaner import CleanedDocument
from pipeline.extractor import ModelError
from pipeline.components.values import span_values
from pipeline.records import ENTITY_FIELDS
from pipeline.settings import Settings

# Characters the tokenizer handles badly, replaced one-for-one (offsets unchanged).
MODEL_TEXT_TRANSLATION = str.maketrans({"\u00a0": " ", "\u3000": " ", "\u2009": " ", "\u202f": " ", "\t": " "})
# Components sourced from the installed model: nlp.initialize() must not reset their weights.
SOURCED = ("ner",)
# Built pipelines kept in the cache folder (one per models/ version).
SAVED_PIPELINES_KEPT = 3
# Left out of a cached pipeline: rebuilt from config.cfg (see load_pipeline).
CACHE_EXCLUDES = ("tokenizer",)


def build_pipeline(models_dir: Path, model: str) -> Language:
    """Assemble the extractor from models/config.cfg and initialize it from models/.

    Args:
        models_dir: holds config.cfg and the data files it names.
        model: the installed spaCy pipeline (package name or path) whose
            `ner` is sourced; if it has word vectors they are loaded too.
    """
    models_dir = Path(models_dir)
    overrides = {"paths.models": str(models_dir), "components.ner.source": model,
                 "initialize.vectors": model if _has_vectors(model) else None}
    config = spacy.util.load_config(models_dir / "config.cfg", overrides=overrides, interpolate=False)
    try:
        nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    except (OSError, ImportError) as exc:
        raise ModelError(_missing_model_message(model, exc)) from None
    with nlp.select_pipes(disable=[n for n in SOURCED if n in nlp.pipe_names]):
        nlp.initialize()  # reads models/ through [initialize.components]; the sourced NER keeps its weights
    return nlp


def load_pipeline(settings: Settings, cache_dir: Path | None = None) -> Language:
    """The extractor for `settings` (models_dir and extract.model).

    With `cache_dir`, the initialized pipeline is saved there (`nlp/<key>/`,
    keyed on the models/ files, the component code and the sourced model's
    version) and later runs `spacy.load` it: 0.45 s instead of building the
    gazetteer lookup tables from the TSVs again (1.5 s). The tokenizer is
    left out of the saved copy: config.cfg and its callback rebuild it
    exactly, in a third of the time its from_disk takes (each of its regexes
    set there re-adds all 1,500 special cases).
    """
    if cache_dir is None:
        return build_pipeline(Path(settings.models_dir), settings.extract.model)
    path = Path(cache_dir) / "nlp" / _pipeline_key(settings)
    if (path / "config.cfg").is_file():
        try:
            return spacy.load(path, exclude=CACHE_EXCLUDES)
        except Exception:  # a torn or stale copy: build it again
            pass
    nlp = build_pipeline(Path(settings.models_dir), settings.extract.model)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=path.parent))
        nlp.to_disk(tmp, exclude=CACHE_EXCLUDES)
        os.replace(tmp, path)
        saved = sorted((p for p in path.parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
                       key=lambda p: p.stat().st_mtime, reverse=True)
        for old in saved[SAVED_PIPELINES_KEPT:]:  # other models/ versions: keep the latest few
            shutil.rmtree(old, ignore_errors=True)
    except OSError:  # a full or read-only cache folder costs only the speed-up
        shutil.rmtree(tmp, ignore_errors=True) if "tmp" in locals() else None
    return nlp


def _pipeline_key(settings: Settings) -> str:
    """What a saved pipeline depends on: models/, the code that saves and loads it, the model."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(settings.extract.model.encode())
    try:
        digest.update(version(settings.extract.model.replace("_", "-")).encode())
    except (PackageNotFoundError, ValueError):
        pass
    digest.update(spacy.__version__.encode())
    package = Path(__file__).resolve().parent.parent
    roots = [Path(settings.models_dir), package / "components", package / "extractor"]
    for root in roots:
        for file in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _has_vectors(model: str) -> bool:
    """Whether the installed pipeline `model` ships word vectors (en_core_web_md/lg do)."""
    try:
        path = Path(model) if Path(model).exists() else spacy.util.get_package_path(model)
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except Exception:  # not installed: load_model_from_config reports it
        return False
    return bool(meta.get("vectors", {}).get("vectors")) and bool(meta.get("vectors", {}).get("width"))


def _missing_model_message(model: str, exc: Exception) -> str:
    installed = sorted(spacy.util.get_installed_models())
    return (f"cannot load the extractor: spaCy pipeline {model!r} ({str(exc).splitlines()[0][:200]}); installed "
            f"pipelines: {', '.join(installed) or 'none'} (choose one with --model or extract.model in params.yaml)")


def model_text(text: str) -> str:
    """The clean text as the model sees it: same length, odd spaces made plain."""
    return text.translate(MODEL_TEXT_TRANSLATION)


def make_doc(nlp: Language, text: str, published: str | None) -> Doc:
    """A Doc of the clean text, carrying the date relative dates resolve against."""
    doc = nlp.make_doc(model_text(text))
    doc._.published = published
    return doc


def entities_from_doc(doc_id: str, raw: str, cleaned: CleanedDocument, spacy_doc: Doc,
                      labels: tuple[str, ...], *, visible_text: bool = False) -> list[dict]:
    """Entity records in raw coordinates, sorted by start.

    Args:
        doc_id: the document id written into each record.
        raw: the decoded raw file.
        cleaned: the cleaning result, whose offsets map clean text to raw.
        spacy_doc: the pipeline's output on `make_doc(nlp, cleaned.text, ...)`.
        labels: labels to keep.
        visible_text: take `text` from the clean text (HTML, where the raw
            span holds markup); otherwise `text == raw[start:end]`.
    """
    records: list[dict] = []
    raw_start: dict[int, int] = {}
    for ent in spacy_doc.ents:
        if ent.label_ not in labels:
            continue
        mapped = cleaned.offsets.to_raw(ent.start_char, ent.end_char)
        if mapped is None:
            continue
        start, end = mapped
        raw_start[ent.start_char] = start
        text = cleaned.text[ent.start_char:ent.end_char] if visible_text else raw[start:end]
        record = {"doc": doc_id, "label": ent.label_, "start": start, "end": end, "text": text}
        record.update(span_values(ent))
        if ent._.place is not None:
            record["place"] = ent._.place
        if ent._.org is not None:
            record["org"] = ent._.org
        records.append(record)
    for record in records:
        if "equivalent_of" in record:
            record["equivalent_of"] = raw_start.get(record["equivalent_of"])
    records.sort(key=lambda r: (r["start"], r["end"]))
    return [_ordered(r) for r in records]


def _ordered(record: dict) -> dict:
    out = {k: record[k] for k in ENTITY_FIELDS if k in record and record[k] is not None}
    out.update({k: v for k, v in record.items() if k not in out and v is not None})
    return out


class Extractor:
    """The loaded news pipeline, built once per process, run over cleaned documents."""

    def __init__(self, settings: Settings, nlp: Language | None = None, cache_dir: Path | None = None):
        self.settings = settings
        if nlp is None:
            try:
                nlp = load_pipeline(settings, cache_dir)
            except ModelError:
                raise
            except (OSError, RuntimeError, ValueError, KeyError, ImportError) as exc:
                first = " ".join(str(exc).split())[:300]
                raise ModelError(f"cannot load the extractor (spaCy pipeline {settings.extract.model!r}, "
                                 f"data in {settings.models_dir}): {first}") from None
        self.nlp = nlp

    def entities(self, doc_id: str, raw: str, cleaned: CleanedDocument, kind: str = "text") -> list[dict]:
        """Entity records of one cleaned document, in raw offsets."""
        return self.entities_batch([(doc_id, raw, cleaned, kind)])[0]

    def entities_batch(self, items: list[tuple]) -> list[list[dict]]:
        """Entity records for several (doc_id, raw, cleaned[, kind]) documents, in one nlp.pipe batch."""
        docs: dict[int, Doc] = {}
        small = [i for i, item in enumerate(items) if item[2].text.strip() and len(item[2].text) <= self.nlp.max_length]
        made = (make_doc(self.nlp, items[i][2].text, items[i][2].published) for i in small)
        docs.update(zip(small, self.nlp.pipe(made, batch_size=self.settings.extract.batch_size)))
        out = []
        for i, item in enumerate(items):
            doc_id, raw, cleaned = item[:3]
            kind = item[3] if len(item) > 3 else "text"
            if not cleaned.text.strip():
                out.append([])
                continue
            spacy_doc = docs[i] if i in docs else self._run_long(cleaned)
            out.append(entities_from_doc(doc_id, raw, cleaned, spacy_doc, self.settings.extract.labels,
                                         visible_text=kind == "html"))
        return out

    def _run_long(self, cleaned: CleanedDocument) -> Doc:
        """The pipeline on a text over `nlp.max_length`, in pieces cut at paragraph breaks."""
        text, limit = cleaned.text, self.nlp.max_length
        pieces, start = [], 0
        while start < len(text):
            end = min(len(text), start + limit // 2)
            if end < len(text):
                cut = text.rfind("\n\n", start, end)
                end = cut + 2 if cut > start else end
            pieces.append(text[start:end])
            start = end
        docs = list(self.nlp.pipe(make_doc(self.nlp, p, cleaned.published) for p in pieces))
        for doc in docs:  # keep the entities' value attributes; drop per-Doc caches and doc._ values,
            for key in [k for k in doc.user_data if not _is_span_value(k)]:  # which from_docs cannot merge
                del doc.user_data[key]
        merged = Doc.from_docs(docs, ensure_whitespace=False)
        merged._.published = cleaned.published
        return merged


def _is_span_value(key) -> bool:
    """A user_data key holding a span extension value: ("._.", name, start, end, ...)."""
    return isinstance(key, tuple) and len(key) >= 4 and key[0] == "._." and key[2] is not None


@lru_cache(maxsize=2)
def cached_extractor(settings: Settings) -> Extractor:
    """One Extractor per process and settings (the library API's)."""
    return Extractor(settings)


def lexicon_for(settings: Settings):
    """The amount lexicon of `settings` (for callers that use the rules without the pipeline)."""
    from pipeline.components.lexicon import lexicon_path, load_lexicon

    return load_lexicon(lexicon_path(Path(settings.models_dir)))
