"""Fail fast and clearly: a wrong model or a bad params.yaml is one line and exit 2, whatever the workers."""

import os
import shutil
import subprocess
import sys
import time

import pytest

from pipeline.run.outputs import LOCK_NAME, STAGING_NAME
from pipeline.settings import Settings, SettingsError

from conftest import CORPUS, ROOT

EXE = [sys.executable, "-m", "pipeline.cli"]
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}


def _cli(*args, timeout=60):
    return subprocess.run(EXE + [str(a) for a in args], capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, env=ENV, timeout=timeout)


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("000_637891541be9abb4.txt", "001_a70c9ee9ece33c9b.txt", "002_eaf975d976e9ab01.txt"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def _one_clear_line(res):
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


@pytest.mark.parametrize("workers", [1, 2])
def test_wrong_model_name_exits_2_at_once(corpus, tmp_path, workers):
    """Used to respawn failing pool workers forever with -w 2 (3,699 in 10 minutes), leaving a lock."""
    import spacy

    out = tmp_path / "out"
    t0 = time.monotonic()
    res = _cli("run", corpus, "--out", out, "--workers", workers, "--no-cache", "--model", "en_core_web_lgg")
    elapsed = time.monotonic() - t0
    assert res.returncode == 2, res.stderr
    line = _one_clear_line(res)
    assert "en_core_web_lgg" in line and "not installed" in line
    for installed in spacy.util.get_installed_models():
        assert installed in line
    assert elapsed < 30, elapsed  # seconds, not a hang (the bound is loose for a busy machine)
    assert not (out / LOCK_NAME).exists() and not (out / STAGING_NAME).exists()


def test_unusable_model_exits_2_without_leftovers(corpus, tmp_path):
    """A folder that is not a spaCy pipeline passes the installed check, then fails to load in the parent."""
    out = tmp_path / "out"
    res = _cli("run", corpus, "--out", out, "--workers", 2, "--no-cache", "--model", tmp_path)
    assert res.returncode == 2, res.stderr
    assert "cannot load the extractor" in _one_clear_line(res)
    assert not (out / LOCK_NAME).exists() and not (out / STAGING_NAME).exists()
    assert not (out / "entities.jsonl").exists()


BAD_PARAMS = {
    'clean:\n  prose_min_words: "12"\n': "clean.prose_min_words",
    "clean:\n  prose_min_wrods: 12\n": "clean.prose_min_wrods",
    "extract:\n  labels: []\n": "extract.labels",
    "extract:\n  labels: [ORG, COMPANY]\n": "extract.labels",
    "extract:\n  batch_size: 2.5\n": "extract.batch_size",
    "extract:\n  model: 7\n": "extract.model",
    "evaluate:\n  core_labels: ORG\n": "evaluate.core_labels",
    "run:\n  max_file_mb: big\n": "run.max_file_mb",
    "run:\n  document_timeout_s: -1\n": "run.document_timeout_s",
    "extrakt:\n  model: x\n": "extrakt",
    "clean: 12\n": "clean",
    "clean: [\n": "not valid YAML",
}


@pytest.mark.parametrize("text", list(BAD_PARAMS))
def test_bad_params_are_refused_when_loaded(tmp_path, text):
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        Settings.load(path)
    message = str(info.value)
    assert BAD_PARAMS[text] in message and str(path) in message and "\n" not in message


def test_quoted_number_in_params_is_exit_2_not_a_run_of_failures(corpus, tmp_path):
    """`prose_min_words: "12"` used to make every document fail while the run exited 0."""
    params = tmp_path / "params.yaml"
    params.write_text('clean:\n  prose_min_words: "12"\n', encoding="utf-8")
    out = tmp_path / "out"
    res = _cli("run", corpus, "--out", out, "--workers", 2, "--no-cache", "--params", params)
    assert res.returncode == 2, res.stderr
    line = _one_clear_line(res)
    assert "clean.prose_min_words" in line and "'12'" in line
    assert not out.exists()


def test_missing_params_file_is_an_error(tmp_path):
    with pytest.raises(SettingsError, match="no such params file"):
        Settings.load(tmp_path / "nope.yaml")


def test_good_params_load_with_their_types(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("clean:\n  prose_min_stopword_ratio: 1\nextract:\n  labels: [ORG]\nrun:\n  cache_runs: 5\n",
                    encoding="utf-8")
    settings = Settings.load(path)
    assert settings.clean.prose_min_stopword_ratio == 1.0 and isinstance(settings.clean.prose_min_stopword_ratio, float)
    assert settings.extract.labels == ("ORG",) and settings.run.cache_runs == 5
    assert Settings.load().run.max_file_mb == 20 and Settings.load().run.document_timeout_s == 120
