"""A worker killed under a document (what the OOM killer does) is detected, the run ends (issue 11, item 4).

The fault is real process death: a sitecustomize on PYTHONPATH wraps the
decoder so that a worker process SIGKILLs itself when it decodes a file that
holds a marker. "POISON" files kill every worker that touches them; a
"FLAKY" file kills only the first one (a flag file remembers it), so its
retry in a fresh worker must succeed.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from pipeline.run.outputs import LOCK_NAME, STAGING_NAME, STATE_NAME

from conftest import CORPUS, ROOT

EXE = [sys.executable, "-m", "pipeline.cli"]
DEATH_SITE = r'''
import multiprocessing, os, signal, time
try:
    import pipeline.read.sources as _sources
except Exception:  # not the project's interpreter
    _sources = None
if _sources is not None:
    _check = _sources._check_text
    _flag = os.environ.get("PIPELINE_TEST_FLAG", "")

    def _check_text(text):
        if multiprocessing.parent_process() is not None:  # only in worker processes
            if "POISON-PILL-KILLS-ITS-WORKER" in text:
                os.kill(os.getpid(), signal.SIGKILL)
            if "FLAKY-PILL-KILLS-ONE-WORKER" in text and _flag and not os.path.exists(_flag):
                open(_flag, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)
            if "SLOW-PILL-SLEEPS" in text:
                time.sleep(120)
        return _check(text)

    _sources._check_text = _check_text
'''
GOOD = ("000_637891541be9abb4.txt", "001_a70c9ee9ece33c9b.txt", "002_eaf975d976e9ab01.txt",
        "003_3f99e120a1a95286.txt")


def _lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture()
def death_env(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(DEATH_SITE)
    return {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200", "PIPELINE_TEST_FLAG": str(tmp_path / "flag"),
            "PYTHONPATH": os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture()
def poisoned_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in GOOD:
        shutil.copy(CORPUS / name, corpus / name)
    article = (CORPUS / "004_e4334ccf3b12b841.txt").read_text(encoding="utf-8")
    (corpus / "poison.txt").write_text(article + "\nPOISON-PILL-KILLS-ITS-WORKER\n", encoding="utf-8")
    (corpus / "flaky.txt").write_text(article + "\nFLAKY-PILL-KILLS-ONE-WORKER\n", encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Entities of the good articles from a run without any fault."""
    from pipeline.run.corpus import process_corpus
    from pipeline.settings import Settings

    corpus = tmp_path_factory.mktemp("ref") / "corpus"
    corpus.mkdir()
    for name in GOOD:
        shutil.copy(CORPUS / name, corpus / name)
    out = corpus.parent / "out"
    process_corpus(corpus, out, Settings.load(), workers=1)
    return _lines(out / "entities.jsonl")


@pytest.mark.parametrize("workers", [1, 2])
def test_killed_local_worker_is_replaced_and_the_run_ends(poisoned_corpus, death_env, tmp_path, reference, workers):
    """With multiprocessing.Pool the run waited forever, holding the lock."""
    out = tmp_path / "out"
    res = subprocess.run(EXE + ["run", str(poisoned_corpus), "--out", str(out), "--workers", str(workers), "--no-cache"],
                         cwd=ROOT, env=death_env, capture_output=True, text=True, encoding="utf-8", timeout=240)
    assert res.returncode == 0, res.stderr
    docs = {d["doc"]: d for d in _lines(out / "documents.jsonl")}
    assert len(docs) == len(GOOD) + 2
    poison = docs["poison"]["status"]
    assert poison.startswith("error: worker died (killed by SIGKILL)") and "retried" in poison, poison
    assert f"poison.txt: {poison}" in res.stderr
    assert docs["flaky"]["status"] == "ok"  # died once, then done in a fresh worker
    assert (tmp_path / "flag").exists()
    entities = _lines(out / "entities.jsonl")
    assert [e for e in entities if e["doc"] in {n[:-4] for n in GOOD}] == reference
    assert any(e["doc"] == "flaky" for e in entities)
    assert not any(e["doc"] == "poison" for e in entities)
    assert not (out / LOCK_NAME).exists() and not (out / STAGING_NAME).exists()


def test_document_over_the_time_limit_is_stopped_and_the_run_goes_on(poisoned_corpus, death_env, tmp_path, reference):
    (poisoned_corpus / "poison.txt").unlink()
    (poisoned_corpus / "flaky.txt").unlink()
    (poisoned_corpus / "slow.txt").write_text("Beijing, 2019.\nSLOW-PILL-SLEEPS\n", encoding="utf-8")
    params = tmp_path / "params.yaml"
    params.write_text((ROOT / "params.yaml").read_text(encoding="utf-8").replace(
        "document_timeout_s: 120", "document_timeout_s: 8"), encoding="utf-8")
    out = tmp_path / "out"
    res = subprocess.run(EXE + ["run", str(poisoned_corpus), "--out", str(out), "--workers", "2",
                                "--cache-dir", str(tmp_path / "cache"), "--params", str(params)],
                         cwd=ROOT, env=death_env, capture_output=True, text=True, encoding="utf-8", timeout=100)
    assert res.returncode == 0, res.stderr
    docs = {d["doc"]: d for d in _lines(out / "documents.jsonl")}
    assert docs["slow"]["status"] == "error: timed out after 8 s"
    assert "slow.txt: error: timed out after 8 s" in res.stderr
    assert all(docs[n[:-4]]["status"] == "ok" for n in GOOD)
    assert _lines(out / "entities.jsonl") == reference
    assert not (out / LOCK_NAME).exists()
    # A time-out may pass next time: no fingerprint, so the next run tries it again (the rest is cached).
    assert not (out / STATE_NAME).exists()
    assert len(list((tmp_path / "cache").glob("[0-9a-f]*/*/*.json"))) == len(GOOD)


def test_poison_document_on_dask_is_a_per_file_error(poisoned_corpus, death_env, tmp_path, reference, monkeypatch):
    """It used to end the whole run with KilledWorker."""
    distributed = pytest.importorskip("dask.distributed")
    import dask

    from pipeline.run.corpus import process_corpus
    from pipeline.settings import Settings

    (poisoned_corpus / "flaky.txt").unlink()
    monkeypatch.setenv("PYTHONPATH", death_env["PYTHONPATH"])  # the spawned workers run the sitecustomize
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address=None)
    try:
        out = tmp_path / "out"
        summary = process_corpus(poisoned_corpus, out, Settings.load(), dask=cluster.scheduler_address)
    finally:
        cluster.close()
    docs = {d["doc"]: d for d in _lines(out / "documents.jsonl")}
    assert docs["poison"]["status"].startswith("error: worker died (Dask KilledWorker"), docs["poison"]
    assert summary.failed == [("poison.txt", docs["poison"]["status"])]
    assert all(docs[n[:-4]]["status"] == "ok" for n in GOOD)
    assert _lines(out / "entities.jsonl") == reference
    assert not (out / LOCK_NAME).exists()
