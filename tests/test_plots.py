"""DVC plots: the per-label F1 chart renders with data, in one revision and between two (`dvc plots diff`)."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(not (Path(sys.executable).parent / "dvc").exists() and shutil.which("dvc") is None,
                                reason="dvc not installed")

FILES = ("dvc.yaml", ".dvc/config", ".dvc/.gitignore", ".dvc/plots/per_label_f1.json", ".gitignore",
         "outputs/per_label.csv")


def _run(cmd, cwd, env) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{cmd}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _f1(text: str) -> dict[str, str]:
    return {row["label"]: row["strict_f1"] for row in csv.DictReader(io.StringIO(text))}


@pytest.fixture()
def repo(tmp_path):
    """A git repository with the project's DVC files and per_label.csv in two commits (PLACE F1 changed)."""
    for rel in FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, tmp_path / rel)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "DVC_NO_ANALYTICS": "1", "GIT_AUTHOR_NAME": "t", "GIT_COMMITTER_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    _run(["git", "init", "-q", "-b", "main"], tmp_path, env)
    _run(["git", "add", "-A"], tmp_path, env)
    _run(["git", "commit", "-q", "-m", "baseline"], tmp_path, env)
    table = tmp_path / "outputs" / "per_label.csv"
    old = table.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(old)))
    for row in rows:
        if row["label"] == "PLACE":
            row["strict_f1"] = "0.5"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    table.write_text(buf.getvalue(), encoding="utf-8")
    _run(["git", "commit", "-q", "-am", "PLACE got worse"], tmp_path, env)
    return tmp_path, env, old


def test_plots_show_renders_per_label_f1_bars(repo):
    root, env, _ = repo
    data = json.loads(_run(["dvc", "plots", "show", "--json"], root, env))
    assert not data.get("errors"), data.get("errors")
    [plot] = data["data"]["per_label_f1"]
    spec = plot["content"]
    values = spec["data"]["values"]
    assert [v["label"] for v in values] == ["ORG", "PLACE", "MONEY", "PERCENT", "DATE", "QUANTITY"]
    assert all(0.0 <= float(v["strict_f1"]) <= 1.0 for v in values)
    assert {v["label"]: v["strict_f1"] for v in values}["PLACE"] == "0.5"
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"] == {"field": "label", "type": "nominal", "title": "label", "sort": None}
    assert spec["encoding"]["y"]["field"] == "strict_f1" and spec["encoding"]["y"]["type"] == "quantitative"
    assert "<DVC_METRIC" not in json.dumps(spec)  # every anchor filled
    # The HTML rendering holds the same data; dvc_plots/ is ignored by git.
    _run(["dvc", "plots", "show", "-o", "dvc_plots"], root, env)
    page = (root / "dvc_plots" / "index.html").read_text(encoding="utf-8")
    assert "Strict F1 per label" in page and '"QUANTITY"' in page
    assert _run(["git", "status", "--porcelain"], root, env).strip() == ""


def test_plots_diff_between_two_revisions(repo):
    root, env, old = repo
    data = json.loads(_run(["dvc", "plots", "diff", "HEAD~1", "HEAD", "--json"], root, env))
    assert not data.get("errors"), data.get("errors")
    [plot] = data["data"]["per_label_f1"]
    assert sorted(plot["revisions"]) == ["HEAD", "HEAD~1"]
    values = plot["content"]["data"]["values"]
    assert len(values) == 12  # six labels on each side
    by_rev = {}
    for v in values:
        by_rev.setdefault(v["rev"], {})[v["label"]] = v["strict_f1"]
    assert by_rev["HEAD"]["PLACE"] == "0.5" and by_rev["HEAD~1"]["PLACE"] == _f1(old)["PLACE"]
    assert plot["content"]["encoding"]["xOffset"]["field"] == "rev"  # bars side by side per label
