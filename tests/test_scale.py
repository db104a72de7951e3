"""Incremental re-runs (content-hash cache) and scale-out on Dask."""

import shutil

import pytest

from pipeline.run.corpus import process_corpus

from conftest import CORPUS

OUTPUT_FILES = ("entities.jsonl", "documents.jsonl", "entities.csv", "organizations.csv", "places.csv")
FEW = ("000_637891541be9abb4.txt", "001_a70c9ee9ece33c9b.txt", "004_e4334ccf3b12b841.txt")


@pytest.fixture()
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in FEW:
        shutil.copy(CORPUS / name, corpus / name)
    return corpus


def _entries(cache):
    """Result entries (cache/<version>/<xx>/<key>.json), not the cache's own runs.json."""
    return sorted(p.name for p in cache.glob("[0-9a-f]*/*/*.json"))


def _same(a, b):
    for name in OUTPUT_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_cache_rerun_is_identical_and_only_changed_files_recompute(small_corpus, tmp_path, settings):
    cache = tmp_path / "cache"
    cold, warm, again = tmp_path / "cold", tmp_path / "warm", tmp_path / "again"
    process_corpus(small_corpus, cold, settings, cache_dir=cache)
    entries = _entries(cache)
    assert len(entries) == len(FEW)
    process_corpus(small_corpus, warm, settings, cache_dir=cache)
    _same(cold, warm)
    assert _entries(cache) == entries  # nothing recomputed

    changed = small_corpus / FEW[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nThe fund raised 5 million yuan in 2019.\n",
                       encoding="utf-8")
    process_corpus(small_corpus, again, settings, cache_dir=cache)
    after = _entries(cache)
    assert len(after) == len(entries) + 1  # exactly one new entry: the changed file
    fresh = tmp_path / "fresh"
    process_corpus(small_corpus, fresh, settings)  # no cache at all
    _same(again, fresh)


def test_dask_cluster_output_matches_local_run(small_corpus, tmp_path, settings):
    distributed = pytest.importorskip("dask.distributed")
    local = tmp_path / "local"
    process_corpus(small_corpus, local, settings)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    try:
        remote = tmp_path / "dask"
        process_corpus(small_corpus, remote, settings, dask=cluster.scheduler_address)
        _same(local, remote)
    finally:
        cluster.close()


def test_fsspec_corpus_url(small_corpus, tmp_path, settings):
    local = tmp_path / "local"
    process_corpus(small_corpus, local, settings)
    via_url = tmp_path / "url"
    process_corpus(f"file://{small_corpus}", via_url, settings)
    _same(local, via_url)


def test_unchanged_rerun_into_the_same_folder_stops_early(small_corpus, tmp_path, settings, monkeypatch):
    import pipeline.run.corpus as runner

    out, cache = tmp_path / "out", tmp_path / "cache"
    first = process_corpus(small_corpus, out, settings, cache_dir=cache)
    before = {name: (out / name).read_bytes() for name in OUTPUT_FILES}

    def no_work(*args, **kwargs):
        raise AssertionError("an unchanged corpus must not be processed again")

    monkeypatch.setattr(runner, "_results", no_work)
    again = process_corpus(small_corpus, out, settings, cache_dir=cache)
    assert (again.documents, dict(again.labels)) == (first.documents, dict(first.labels))
    assert {name: (out / name).read_bytes() for name in OUTPUT_FILES} == before

    monkeypatch.undo()
    (small_corpus / FEW[0]).write_text("Beijing said sales rose 5 percent in 2019.\n", encoding="utf-8")
    process_corpus(small_corpus, out, settings, cache_dir=cache)
    assert (out / "entities.jsonl").read_bytes() != before["entities.jsonl"]
