"""Trust boundaries of a run: a secured `--dask local`, outputs inside the corpus, stale clean/ (issue 11 items 7, 8)."""

import json
import shutil

import pytest

from pipeline.run.corpus import process_corpus

from conftest import CORPUS

OUTPUTS = ("documents.jsonl", "entities.jsonl", "entities.csv", "organizations.csv", "places.csv")
FEW = ("000_637891541be9abb4.txt", "001_a70c9ee9ece33c9b.txt", "004_e4334ccf3b12b841.txt")


def _lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in FEW:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def test_output_folder_inside_the_corpus_is_not_read_back(corpus, settings):
    out = corpus / "outputs"
    first = process_corpus(corpus, out, settings, workers=1)
    before = {n: (out / n).read_bytes() for n in OUTPUTS}
    second = process_corpus(corpus, out, settings, workers=1)  # clean/*.txt now sits inside the corpus
    assert first.documents == second.documents == len(FEW)
    assert {n: (out / n).read_bytes() for n in OUTPUTS} == before
    assert [d["path"] for d in _lines(out / "documents.jsonl")] == sorted(FEW)


def test_extract_refuses_a_clean_sidecar_made_from_other_bytes(corpus, tmp_path, settings):
    """`pipeline extract` on a clean/ that no longer matched the raw files wrote garbage spans with status ok."""
    out = tmp_path / "out"
    process_corpus(corpus, out, settings, workers=1, stages=("clean",))
    edited = corpus / FEW[1]
    edited.write_text("Breaking: " + edited.read_text(encoding="utf-8"), encoding="utf-8")  # every offset shifts
    summary = process_corpus(corpus, out, settings, workers=1, stages=("extract",))
    assert len(summary.failed) == 1
    path, status = summary.failed[0]
    assert path == FEW[1] and status.startswith("error: the file changed since `pipeline clean`"), status
    raws = {n[:-4]: (corpus / n).read_text(encoding="utf-8") for n in FEW}
    entities = _lines(out / "entities.jsonl")
    assert {e["doc"] for e in entities} == {FEW[0][:-4], FEW[2][:-4]}
    for e in entities:
        assert raws[e["doc"]][e["start"]:e["end"]] == e["text"], e
    process_corpus(corpus, out, settings, workers=1, stages=("clean",))  # re-cleaned: extract works again
    assert not process_corpus(corpus, out, settings, workers=1, stages=("extract",)).failed


def test_dask_local_is_tls_on_loopback_and_refuses_plain_clients(corpus, tmp_path, settings):
    distributed = pytest.importorskip("dask.distributed")
    from pipeline.run.distributed import open_client

    client, cluster = open_client("local")
    try:
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:"), address
        assert all(w.startswith("tls://127.0.0.1:") for w in client.scheduler_info()["workers"])
        assert client.submit(sum, [1, 2]).result() == 3  # the run's own client, with the credentials
        with pytest.raises(Exception):  # no credentials: no connection, so no code runs on the cluster
            distributed.Client(address, timeout="3s")
        with pytest.raises(Exception):
            distributed.Client(address.replace("tls://", "tcp://"), timeout="3s")
    finally:
        client.close()
        cluster.close()
    local, remote = tmp_path / "local", tmp_path / "dask"
    process_corpus(corpus, local, settings, workers=1)
    process_corpus(corpus, remote, settings, dask="local")
    for name in OUTPUTS:
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name
