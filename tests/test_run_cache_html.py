"""Cached HTML results pass verification: their entity text is the visible text of the raw span."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.run.corpus import process_corpus

PAGE = (Path(__file__).resolve().parent / "fixtures" / "html" / "markup_in_names.html").read_text(encoding="utf-8")



def test_cached_html_results_are_served_not_recomputed(tmp_path, settings, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "deal.html").write_text(PAGE, encoding="utf-8")
    cache = tmp_path / "cache"
    process_corpus(corpus, tmp_path / "out1", settings, cache_dir=cache)
    first = (tmp_path / "out1" / "entities.jsonl").read_bytes()
    assert b"Meetings & Events" in first  # an entity whose raw span holds markup
    with caplog.at_level(logging.INFO, logger="pipeline"):
        process_corpus(corpus, tmp_path / "out2", settings, cache_dir=cache)
    assert not [r for r in caplog.records if "failed verification" in r.getMessage()]
    assert (tmp_path / "out2" / "entities.jsonl").read_bytes() == first
