"""`dvc repro` from a fresh copy reproduces the committed lock and outputs.

Runs the real DVC pipeline in a temporary git repository holding the
project's tracked files, so it checks exactly what a fresh clone gets.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def _run(cmd, cwd, env):
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert res.returncode == 0, f"{cmd} failed:\n{res.stdout}\n{res.stderr}"
    return res.stdout + res.stderr


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    if "dvc.lock" not in files:
        pytest.skip("no dvc.lock in this checkout")
    dest = tmp_path_factory.mktemp("repo")
    for rel in files:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "test"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "test@example.invalid"
    _run(["git", "init", "-q", "-b", "main"], dest, env)
    _run(["git", "add", "-A"], dest, env)
    _run(["git", "commit", "-q", "-m", "fresh copy"], dest, env)
    return dest, env


def test_repro_matches_committed_lock_and_outputs(repo):
    dest, env = repo
    _run(["dvc", "repro"], dest, env)
    changed = _run(["git", "status", "--porcelain"], dest, env)
    assert changed.strip() == "", f"dvc repro changed tracked files:\n{changed}"
    assert "up to date" in _run(["dvc", "status"], dest, env)
    shown = _run(["dvc", "metrics", "show"], dest, env)
    assert "core.strict.f1" in shown


def test_pattern_change_reruns_only_extract_and_shows_metric_delta(repo):
    dest, env = repo
    lexicon = dest / "models" / "lexicon" / "numbers.yml"
    text = lexicon.read_text(encoding="utf-8")
    assert '  "yuan": CNY\n' in text
    lexicon.write_text(text.replace('  "yuan": CNY\n', "", 1), encoding="utf-8")
    out = _run(["dvc", "repro"], dest, env)
    assert "Stage 'clean' didn't change" in out
    assert "Running stage 'extract'" in out
    _run(["git", "commit", "-q", "-am", "forget the yuan"], dest, env)
    diff = _run(["dvc", "metrics", "diff", "HEAD~1"], dest, env)
    assert "MONEY.strict.f1" in diff
