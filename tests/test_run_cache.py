"""The result cache never serves another content's result (issue 11 item 2) and is pruned (issue 13 item 6)."""

import hashlib
import json
import shutil
from dataclasses import replace

import pytest

from pipeline.run import cache as cache_module
from pipeline.run.corpus import process_corpus

from conftest import CORPUS

OUTPUTS = ("documents.jsonl", "entities.jsonl", "entities.csv", "organizations.csv", "places.csv")
A, B = "000_637891541be9abb4.txt", "001_a70c9ee9ece33c9b.txt"


def _lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _same(a, b):
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _entries(cache):
    return sorted(cache.glob("[0-9a-f]*/*/*.json"))


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS / A, folder / "a.txt")
    shutil.copy(CORPUS / B, folder / "b.txt")
    return folder


def test_file_edited_between_hashing_and_processing(corpus, tmp_path, settings, monkeypatch):
    """The key came from one read and the worker read again: an edit in between poisoned the entry."""
    path = corpus / "a.txt"
    original = path.read_bytes()
    edited = (CORPUS / "004_e4334ccf3b12b841.txt").read_bytes()
    real_sha256 = hashlib.sha256

    class EditAfterHashing:  # hashlib, as cache.py sees it: the file changes right after its bytes are hashed
        @staticmethod
        def sha256(data=b""):
            digest = real_sha256(data)
            edit = original in data

            class Hash:
                def update(self, more):
                    nonlocal edit
                    edit = edit or original in more
                    digest.update(more)

                def hexdigest(self):
                    if edit and path.read_bytes() == original:
                        path.write_bytes(edited)
                    return digest.hexdigest()

                def copy(self):
                    return digest.copy()

            return Hash()

    cache = tmp_path / "cache"
    monkeypatch.setattr(cache_module, "hashlib", EditAfterHashing)
    during = tmp_path / "during"
    process_corpus(corpus, during, settings, workers=1, cache_dir=cache)
    monkeypatch.undo()
    assert path.read_bytes() == edited  # the edit did happen mid-run
    # What the run wrote is consistent: the recorded sha256 is of the text the spans point into.
    doc = next(d for d in _lines(during / "documents.jsonl") if d["doc"] == "a")
    raw = {hashlib.sha256(b).hexdigest(): b.decode("utf-8") for b in (original, edited)}[doc["sha256"]]
    for e in _lines(during / "entities.jsonl"):
        if e["doc"] == "a":
            assert raw[e["start"]:e["end"]] == e["text"], e

    for content in (original, edited, original):  # restored, edited again, restored again
        path.write_bytes(content)
        warm, fresh = tmp_path / "warm", tmp_path / "fresh"
        shutil.rmtree(warm, ignore_errors=True)
        shutil.rmtree(fresh, ignore_errors=True)
        process_corpus(corpus, warm, settings, workers=1, cache_dir=cache)
        process_corpus(corpus, fresh, settings, workers=1)
        _same(warm, fresh)
        text = content.decode("utf-8")
        for e in _lines(warm / "entities.jsonl"):
            if e["doc"] == "a":
                assert text[e["start"]:e["end"]] == e["text"], e


HTML = ("<!DOCTYPE html><html><head><title>Tea farmers</title></head><body><nav>Home | News</nav><article>"
        "<h1>Tea farmers sell online</h1><p>{}</p><p>{}</p></article>"
        "<footer>Copyright 2019 China Daily</footer></body></html>")


def test_same_bytes_as_txt_and_html_are_different_entries(tmp_path, settings):
    """They shared one entry, so the page got the plain-text result (8 entities instead of 12)."""
    paragraphs = [p for p in (CORPUS / B).read_text(encoding="utf-8").split("\n") if len(p) > 150][:2]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    page = "Saved page: " + HTML.format(*paragraphs)  # not sniffed as HTML: the suffix decides
    (corpus / "page.txt").write_text(page, encoding="utf-8")
    (corpus / "page.html").write_text(page, encoding="utf-8")
    cache = tmp_path / "cache"
    process_corpus(corpus, tmp_path / "cold", settings, workers=1, cache_dir=cache)
    process_corpus(corpus, tmp_path / "warm", settings, workers=1, cache_dir=cache)
    process_corpus(corpus, tmp_path / "fresh", settings, workers=1)
    _same(tmp_path / "warm", tmp_path / "fresh")
    _same(tmp_path / "cold", tmp_path / "fresh")
    by_doc = {}
    for e in _lines(tmp_path / "fresh" / "entities.jsonl"):
        by_doc.setdefault(e["doc"], []).append((e["label"], e["text"]))
    assert by_doc["page.txt"] != by_doc["page.html"]  # the same bytes, read as text and as a page


def test_entries_are_verified_before_they_are_served(corpus, tmp_path, settings):
    cache = tmp_path / "cache"
    process_corpus(corpus, tmp_path / "cold", settings, workers=1, cache_dir=cache)
    entries = {json.loads(p.read_text(encoding="utf-8"))["doc"]: p for p in _entries(cache)}
    a, b = entries["a"], entries["b"]
    shutil.copy(b, a)  # a's key now holds another document's result
    payload = json.loads(b.read_text(encoding="utf-8"))
    payload["entities"][0]["text"] = payload["entities"][0]["text"] + "x"  # spans no longer match the raw text
    b.write_text(json.dumps(payload), encoding="utf-8")
    process_corpus(corpus, tmp_path / "warm", settings, workers=1, cache_dir=cache)
    process_corpus(corpus, tmp_path / "fresh", settings, workers=1)
    _same(tmp_path / "warm", tmp_path / "fresh")
    assert json.loads(a.read_text(encoding="utf-8"))["doc"] == "a"  # recomputed and stored again


def test_library_versions_are_part_of_the_extractor_version(settings, monkeypatch):
    stages = ("clean", "extract")
    before = cache_module.extractor_version(settings, stages)
    assert cache_module.extractor_version(settings, stages) == before
    for library in ("spacy", "dateparser", "trafilatura", settings.extract.model.replace("_", "-")):
        real = cache_module.version
        monkeypatch.setattr(cache_module, "version", lambda name, lib=library: "0.0" if name == lib else real(name))
        assert cache_module.extractor_version(settings, stages) != before, library
        monkeypatch.undo()
    limits = replace(settings, run=replace(settings.run, max_file_mb=1, cache_runs=9))
    assert cache_module.extractor_version(limits, stages) == before  # limits do not change a result


def test_cache_keeps_the_versions_of_the_last_n_runs(corpus, tmp_path, settings):
    """591 entries for 19 documents: nothing was ever deleted."""
    cache = tmp_path / "cache"
    keep2 = replace(settings, run=replace(settings.run, cache_runs=2))
    versions = []
    for i, ratio in enumerate((0.2, 0.21, 0.22)):  # three extractor versions
        s = replace(keep2, clean=replace(keep2.clean, prose_min_stopword_ratio=ratio))
        process_corpus(corpus, tmp_path / f"out{i}", s, workers=1, cache_dir=cache)
        versions.append(cache_module.extractor_version(s, ("clean", "extract"))[:16])
        folders = sorted(p.name for p in cache.iterdir() if p.is_dir() and p.name != "nlp")  # nlp/: the built pipeline
        assert folders == sorted(versions[-2:]), (i, folders)
        assert len(_entries(cache)) == 2 * len(folders)
    assert json.loads((cache / "runs.json").read_text())["versions"] == versions[-2:]
    # Re-using an older version that is still kept moves it to the front; nothing is recomputed for it.
    s1 = replace(keep2, clean=replace(keep2.clean, prose_min_stopword_ratio=0.21))
    before = {p: p.stat().st_mtime_ns for p in _entries(cache)}
    process_corpus(corpus, tmp_path / "again", s1, workers=1, cache_dir=cache)
    assert {p: p.stat().st_mtime_ns for p in _entries(cache)} == before
    assert json.loads((cache / "runs.json").read_text())["versions"] == [versions[2], versions[1]]


def test_cache_pruning_leaves_foreign_folders_alone(corpus, tmp_path, settings):
    cache = tmp_path / "cache"
    (cache / "notes").mkdir(parents=True)
    (cache / "notes" / "keep.txt").write_text("mine")
    (cache / "ab").mkdir()
    (cache / "ab" / "readme.md").write_text("not a cache entry")
    legacy = cache / "cd"
    legacy.mkdir()
    (legacy / ("cd" + "0" * 62 + ".json")).write_text("{}")  # the flat layout of earlier versions
    process_corpus(corpus, tmp_path / "out", settings, workers=1, cache_dir=cache)
    assert (cache / "notes" / "keep.txt").exists() and (cache / "ab" / "readme.md").exists()
    assert not legacy.exists()
