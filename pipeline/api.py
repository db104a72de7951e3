"""The library API for one text or one file.

    >>> from pipeline import extract
    >>> for e in extract("Alibaba said sales in Hangzhou rose 30 percent to 120 million yuan last year.",
    ...                  published="2020-05-06"):
    ...     print(e.label, e.text, e.amount or e.value or "", e.currency or "")

The text is cleaned as an article would be (boilerplate lines removed; its
own dateline, if any, gives the publication date), run through the news
pipeline, and each entity is returned with offsets into the text given.
The pipeline is loaded once per process and settings.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pipeline.records import Entity
from pipeline.settings import Settings


def extract(text: str, *, published: str | None = None, html: bool = False,
            settings: Settings | None = None, doc: str = "text") -> list[Entity]:
    """Every entity in one article.

    Args:
        text: the article, plain text or (with `html=True`) an HTML page.
        published: ISO date that relative dates ("last year") resolve
            against; default: the date the article's own byline or dateline gives.
        html: `text` is an HTML page (entity `text` is then the visible text,
            `start`/`end` point into the page source).
        settings: tunables and model (default: params.yaml, else the defaults).
        doc: the document id written into each entity.
    Returns:
        Entities sorted by start, offsets into `text`.
    """
    from pipeline.clean.cleaner import clean
    from pipeline.extractor.extraction import cached_extractor

    settings = settings or Settings.load()
    kind = "html" if html else "text"
    cleaned = clean(text, kind, settings.clean, Path(settings.models_dir))
    if kind == "text" and not cleaned.text.strip() and text.strip():
        cleaned = _as_is(text, cleaned)  # a sentence or a snippet, not a page: nothing to remove
    if published is not None:
        cleaned = dataclasses.replace(cleaned, published=published)
    records = cached_extractor(settings).entities(doc, text, cleaned, kind)
    return [Entity.from_dict(r) for r in records]


def _as_is(text: str, cleaned):
    """The cleaning result that keeps `text` whole."""
    from pipeline.clean.offsets import TextBuilder

    builder = TextBuilder()
    builder.add_raw(text, 0)
    clean_text, offsets = builder.build()
    return dataclasses.replace(cleaned, text=clean_text, offsets=offsets)


def extract_file(path: str | Path, *, published: str | None = None, settings: Settings | None = None) -> list[Entity]:
    """Every entity in one article file (.txt, .html, .htm), decoded as `pipeline run` decodes it.

    Offsets are into the decoded text of the file (a leading byte-order mark is not part of it).
    """
    from pipeline.read.sources import SourceFile, load

    path = Path(path)
    raw = load(SourceFile(doc=path.stem, path=path, relpath=path.name))
    return extract(raw.text, published=published, html=raw.kind == "html", settings=settings, doc=raw.doc)
