"""A run killed inside publishing never leaves a mixed set of outputs (issue 11, item 3).

The CLI runs with a sitecustomize that counts the publish steps in the output
folder (each rename into or out of OUT, the unlinks, the rmtree of the
staging folder) and SIGKILLs the process right after the k-th one, for every
k. After each kill the folder must hold the old set or the new one (or a
pending publish journal), and the next run, on the old corpus or the new one,
must end with exactly that corpus's outputs: never "nothing to redo" over a mix.
"""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from pipeline.run.outputs import JOURNAL_NAME, LOCK_NAME, STAGING_NAME, STATE_NAME

from conftest import CORPUS, ROOT

EXE = [sys.executable, "-m", "pipeline.cli"]
KILL_SITE = r'''
import os, shutil, signal
_out = os.environ.get("PIPELINE_TEST_OUT")
_after = int(os.environ.get("PIPELINE_TEST_KILL_AFTER", "0"))
if _out and _after:
    _out = os.path.abspath(_out)
    _main = os.getpid()
    _count = [0]

    def _in_out(p):
        try:
            return os.path.dirname(os.path.abspath(os.fspath(p))) == _out
        except TypeError:
            return False

    def _wrap(fn, nargs):
        def step(*args, **kwargs):
            hit = os.getpid() == _main and any(_in_out(a) for a in args[:nargs])
            result = fn(*args, **kwargs)
            if hit:
                _count[0] += 1
                if _count[0] == _after:
                    os.kill(os.getpid(), signal.SIGKILL)
            return result
        return step

    os.replace = _wrap(os.replace, 2)
    os.rename = _wrap(os.rename, 2)
    os.unlink = _wrap(os.unlink, 1)
    os.remove = _wrap(os.remove, 1)
    os.rmdir = _wrap(os.rmdir, 1)
    shutil.rmtree = _wrap(shutil.rmtree, 1)
'''
# Publish steps of a run that writes everything: journal, 6 outputs (clean/ takes two renames),
# state, journal removal, staging removal, lock removal. Kill after each, and once past the end.
KILL_POINTS = range(1, 14)


def _snapshot(out):
    snap = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            snap[rel.as_posix()] = path.read_bytes()
    return snap


def _run(corpus, out, cache, env):
    return subprocess.run(EXE + ["run", str(corpus), "--out", str(out), "--workers", "1", "--cache-dir", str(cache)],
                          cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)


@pytest.fixture(scope="module")
def two_corpora(tmp_path_factory):
    """Corpus A and B: one article edited, one removed, one added, so every output differs."""
    base = tmp_path_factory.mktemp("publish")
    a, b = base / "a", base / "b"
    a.mkdir()
    b.mkdir()
    names = ("000_637891541be9abb4.txt", "001_a70c9ee9ece33c9b.txt", "002_eaf975d976e9ab01.txt")
    for name in names:
        shutil.copy(CORPUS / name, a / name)
    shutil.copy(CORPUS / names[0], b / names[0])
    (b / names[1]).write_text((CORPUS / names[1]).read_text(encoding="utf-8")
                              + "\nThe county invested 7 million yuan in Hangzhou in 2019.\n", encoding="utf-8")
    shutil.copy(CORPUS / "004_e4334ccf3b12b841.txt", b / "004_e4334ccf3b12b841.txt")
    return base, a, b


def test_kill_at_every_publish_step_never_leaves_a_mix(two_corpora, tmp_path):
    base, corpus_a, corpus_b = two_corpora
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(KILL_SITE)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8",
           "PYTHONPATH": os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    cache = tmp_path / "cache"
    pristine_a, ref_b = tmp_path / "pristine_a", tmp_path / "ref_b"
    assert _run(corpus_a, pristine_a, cache, env).returncode == 0
    assert _run(corpus_b, ref_b, cache, env).returncode == 0
    old, new = _snapshot(pristine_a), _snapshot(ref_b)
    for name in ("documents.jsonl", "entities.jsonl", "entities.csv", "organizations.csv", "places.csv"):
        assert old[name] != new[name], name
    assert {k for k in old if k.startswith("clean/")} != {k for k in new if k.startswith("clean/")}

    killed = 0
    for k in KILL_POINTS:
        out = tmp_path / f"out{k}"
        shutil.copytree(pristine_a, out, symlinks=True)
        res = _run(corpus_b, out, cache, {**env, "PIPELINE_TEST_OUT": str(out), "PIPELINE_TEST_KILL_AFTER": str(k)})
        if res.returncode == -signal.SIGKILL:
            killed += 1
        else:
            assert res.returncode == 0, res.stderr
        now = _snapshot(out)
        if not (out / JOURNAL_NAME).exists():  # no publish pending: the set as found must be whole
            assert now in (old, new), f"mixed outputs after a kill at publish step {k}"
        # The next run, on either corpus, ends with exactly that corpus's outputs.
        corpus, expected = (corpus_a, old) if k % 2 else (corpus_b, new)
        again = _run(corpus, out, cache, env)
        assert again.returncode == 0, again.stderr
        assert _snapshot(out) == expected, f"after a kill at publish step {k}, the next run left a mix"
        assert not (out / JOURNAL_NAME).exists() and not (out / STAGING_NAME).exists()
        assert not (out / LOCK_NAME).exists()
        state = json.loads((out / STATE_NAME).read_text(encoding="utf-8"))
        assert state["documents"] == len(list(corpus.glob("*.txt")))
    assert killed >= 10, f"only {killed} kill points fell inside the run"
