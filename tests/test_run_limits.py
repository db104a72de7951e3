"""Limits: files over the size limit are skipped unread; a 400-digit amount does not lose its document."""

import json
import shutil
from dataclasses import replace

from conftest import CORPUS


def _lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_files_over_the_size_limit_are_skipped_unread(tmp_path, settings, monkeypatch):
    """A 50 MB one-line file ran for over 600 s at 13.1 GB; a 6 GB file raised MemoryError and aborted the run."""
    from pipeline.read import sources
    from pipeline.run.corpus import process_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "000_637891541be9abb4.txt", corpus / "good.txt")
    (corpus / "long.txt").write_bytes(b"word " * 5_000_000)  # 25 MB on one line
    with open(corpus / "huge.txt", "wb") as fh:  # 6 GB, sparse: costs no disk
        fh.truncate(6_000_000_000)
    read = []
    real_read = sources.read_bytes
    monkeypatch.setattr("pipeline.run.document.read_bytes", lambda s: read.append(s.relpath) or real_read(s))
    summary = process_corpus(corpus, tmp_path / "out", settings, workers=1)
    docs = {d["doc"]: d for d in _lines(tmp_path / "out" / "documents.jsonl")}
    assert docs["long"]["status"] == "skipped: file is 25 MB, over the limit of 20 MB"
    assert docs["huge"]["status"] == "skipped: file is 6e+03 MB, over the limit of 20 MB"
    assert docs["good"]["status"] == "ok"
    assert read == ["good.txt"]  # the big ones were never read
    assert sorted(summary.failed) == [("huge.txt", docs["huge"]["status"]), ("long.txt", docs["long"]["status"])]
    assert {e["doc"] for e in _lines(tmp_path / "out" / "entities.jsonl")} == {"good"}


def test_size_limit_comes_from_params(tmp_path, settings):
    from pipeline.run.corpus import process_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Beijing said sales rose 5 percent in 2019.\n" * 100, encoding="utf-8")
    small = replace(settings, run=replace(settings.run, max_file_mb=0.001))
    process_corpus(corpus, tmp_path / "out", small, workers=1)
    (doc,) = _lines(tmp_path / "out" / "documents.jsonl")
    assert doc["status"] == "skipped: file is 0.0043 MB, over the limit of 0.001 MB"
    off = replace(settings, run=replace(settings.run, max_file_mb=0))  # 0: no limit
    process_corpus(corpus, tmp_path / "off", off, workers=1)
    assert _lines(tmp_path / "off" / "documents.jsonl")[0]["status"] == "ok"


def test_amount_too_big_for_a_float_keeps_its_document(tmp_path, settings):
    """Over 308 digits before "yuan" raised OverflowError and lost the whole document."""
    from pipeline.components.normalization import normalize_money, normalize_quantity
    from pipeline.extractor.extraction import lexicon_for
    from pipeline.run.corpus import process_corpus

    lexicon = lexicon_for(settings)
    assert normalize_money("9" * 400 + " yuan", lexicon)["amount"] is None
    assert normalize_money("9" * 300 + " billion yuan", lexicon)["amount"] is None
    assert normalize_quantity("9" * 400 + " tonnes", lexicon)["value"] is None
    assert normalize_money("5 million yuan", lexicon)["amount"] == 5_000_000

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraphs = (CORPUS / "000_637891541be9abb4.txt").read_text(encoding="utf-8").split("\n\n")
    paragraphs.insert(len(paragraphs) // 2, "The company said it would raise " + "9" * 400
                      + " yuan in Beijing in 2019, officials of Alibaba said on Monday in a statement.")
    (corpus / "a.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    summary = process_corpus(corpus, tmp_path / "out", settings, workers=1)
    assert not summary.failed
    (doc,) = _lines(tmp_path / "out" / "documents.jsonl")
    assert doc["status"] == "ok"
    entities = _lines(tmp_path / "out" / "entities.jsonl")
    huge = [e for e in entities if e["label"] == "MONEY" and "9" * 400 in e["text"]]
    assert huge and "amount" not in huge[0], huge
    assert len(entities) > 20
