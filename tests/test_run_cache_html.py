"""Cached HTML results pass verification: their entity text is the visible text of the raw span."""

from __future__ import annotations

import logging

from pipeline.run.corpus import process_corpus

PAGE = ("<html><head><title>Trade</title></head><body><article><h1>Bank deal signed in Hangzhou</h1>"
        "<p>The Office for <a href=\"https://example.org/students\">Students</a> and Meetings &amp; Events "
        "Ltd said on Tuesday that Alibaba Group paid 120 million yuan for the Hangzhou site, a deal that "
        "officials in Zhejiang province described as the largest of the year in the region's history.</p>"
        "<p>Analysts said the purchase would lift sales in Hangzhou by 30 percent next year, and the company "
        "said more than 2,000 people would work at the site once it opens to the public.</p>"
        "</article></body></html>")


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
