"""The output contract on every corpus file, determinism, and the CLI."""

import json
import subprocess
import sys

from pipeline.run.corpus import process_corpus
from pipeline.settings import LABELS

from conftest import CORPUS, ROOT


def _lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_every_span_matches_raw_text(run_outputs):
    out, summary = run_outputs
    assert not summary.failed
    docs = {d["doc"]: d for d in _lines(out / "documents.jsonl")}
    assert len(docs) == len(list(CORPUS.glob("*.txt")))
    raws = {doc: (CORPUS / d["path"]).read_text(encoding="utf-8") for doc, d in docs.items()}
    entities = _lines(out / "entities.jsonl")
    assert entities, "no entities at all"
    for e in entities:
        assert raws[e["doc"]][e["start"]:e["end"]] == e["text"], e
        assert e["label"] in LABELS


def test_sorted_and_no_overlaps(run_outputs):
    out, _ = run_outputs
    entities = _lines(out / "entities.jsonl")
    keys = [(e["doc"], e["start"]) for e in entities]
    assert keys == sorted(keys)
    for a, b in zip(entities, entities[1:]):
        if a["doc"] == b["doc"]:
            assert a["end"] <= b["start"], (a, b)


def test_documents_metadata(run_outputs):
    out, _ = run_outputs
    docs = {d["doc"]: d for d in _lines(out / "documents.jsonl")}
    d = docs["000_637891541be9abb4"]
    assert d["status"] == "ok" and d["encoding"] == "utf-8" and len(d["sha256"]) == 64
    assert d["published"] == "2018-01-26"
    assert d["title"] == "E-commerce firm steps in to boost intangible cultural heritage"
    assert (out / "clean" / "000_637891541be9abb4.txt").read_text(encoding="utf-8").startswith("E-commerce firm")
    header = (out / "entities.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("doc,label,start,end,text")


def test_money_and_conversion_normalized(run_outputs):
    out, _ = run_outputs
    money = [e for e in _lines(out / "entities.jsonl") if e["doc"] == "001_a70c9ee9ece33c9b" and e["label"] == "MONEY"]
    first = next(e for e in money if e["text"] == "120 million yuan")
    second = next(e for e in money if e["text"] == "$17.3 million")
    assert (first["amount"], first["currency"]) == (120000000, "CNY")
    assert (second["amount"], second["currency"], second["equivalent_of"]) == (17300000, "USD", first["start"])


def test_byte_identical_outputs(run_outputs, tmp_path, settings):
    out, _ = run_outputs
    again = tmp_path / "again"
    process_corpus(CORPUS, again, settings, workers=2)
    for name in ("entities.jsonl", "documents.jsonl", "entities.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    for path in sorted((out / "clean").iterdir()):
        assert path.read_bytes() == (again / "clean" / path.name).read_bytes()


def test_cli_run_and_help(tmp_path):
    exe = [sys.executable, "-m", "pipeline.cli"]
    help_text = subprocess.run(exe + ["run", "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--out", "--model", "--workers", "--strict", "--params"):
        assert option in help_text
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name in ("000_637891541be9abb4.txt", "002_eaf975d976e9ab01.txt", "004_e4334ccf3b12b841.txt"):
        (corpus / name).write_bytes((CORPUS / name).read_bytes())
    res = subprocess.run(exe + ["run", str(corpus), "--out", str(tmp_path / "o"), "--workers", "1"],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "documents" in res.stderr and "errors" in res.stderr
    assert len(_lines(tmp_path / "o" / "documents.jsonl")) == 3
