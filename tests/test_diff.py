"""`pipeline diff`: spans matched by raw offsets, gold tags, git revisions (offline, no spaCy model)."""

import json
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from pipeline.review.diff import diff, to_json, to_markdown

RAW = ("Acme Corp opened an office in Springfield on Monday.\n"
       "It paid $5 million for the building, up 12 percent on the offer from Shelbyville Bank.\n")


def span(label, text, occurrence=0, **values):
    start = -1
    for _ in range(occurrence + 1):
        start = RAW.index(text, start + 1)
    return {"doc": "news/a", "label": label, "start": start, "end": start + len(text), "text": text, **values}


OLD = [
    span("ORG", "Acme Corp"),
    span("ORG", "Springfield"),
    span("DATE", "Monday", value="2024-03-04"),
    span("MONEY", "$5 million", amount=5000000, currency="USD", qualifier="exact"),
    span("ORG", "Shelbyville"),
]
NEW = [
    span("ORG", "Acme Corp"),                                                           # unchanged
    span("PLACE", "Springfield"),                                                       # relabeled
    span("MONEY", "$5 million", amount=5000000000, currency="USD", qualifier="exact"),  # value changed
    span("PERCENT", "12 percent", value=12, qualifier="exact"),                         # added
    span("ORG", "Shelbyville Bank"),                                                    # boundary moved
]                                                                                       # Monday removed
GOLD = [
    span("ORG", "Acme Corp"),
    span("PLACE", "Springfield"),
    span("DATE", "Monday", value="2024-03-04"),
    span("MONEY", "$5 million", amount=5000000, currency="USD"),
    span("ORG", "Shelbyville Bank"),
]


def write_jsonl(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def write_outputs(folder, entities, metrics=None):
    write_jsonl(folder / "entities.jsonl", entities)
    write_jsonl(folder / "documents.jsonl", [{"doc": "news/a", "path": "news/a.txt", "status": "ok", "title": None}])
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    (root / "news").mkdir(parents=True)
    (root / "news" / "a.txt").write_text(RAW, encoding="utf-8")
    write_jsonl(root / "gold" / "a.jsonl", [{k: v for k, v in g.items()} for g in GOLD])
    (root / "gold" / "a.lines.json").write_text('{"boilerplate": [], "either": []}', encoding="utf-8")
    return root


def test_identical_folders(tmp_path, corpus):
    write_outputs(tmp_path / "old", OLD, {"ORG.strict.f1": 0.5})
    shutil.copytree(tmp_path / "old", tmp_path / "new")
    report = diff(str(tmp_path / "old"), str(tmp_path / "new"), corpus=corpus)
    assert report["identical"] and report["changes"] == []
    text = to_markdown(report)
    assert "No extraction changes." in text
    assert "added" not in text.split("No extraction changes.")[1]


def test_five_changes_with_kinds_gold_tags_and_sentences(tmp_path, corpus):
    write_outputs(tmp_path / "old", OLD, {"ORG.strict.precision": 0.5, "ORG.strict.recall": 0.5,
                                          "ORG.strict.f1": 0.5, "cleaning.f1": 0.9})
    write_outputs(tmp_path / "new", NEW, {"ORG.strict.precision": 0.75, "ORG.strict.recall": 0.5,
                                          "ORG.strict.f1": 0.6, "cleaning.f1": 0.9})
    report = diff(str(tmp_path / "old"), str(tmp_path / "new"), corpus=corpus)
    got = [(c.kind, c.label, c.text, c.gold) for c in report["changes"]]
    assert got == [  # sorted by (doc, start)
        ("relabeled", "PLACE", "Springfield", "fixes gold"),
        ("removed", "DATE", "Monday", "breaks gold"),
        ("value changed", "MONEY", "$5 million", "breaks gold"),
        ("added", "PERCENT", "12 percent", "not in gold"),
        ("boundary moved", "ORG", "Shelbyville Bank", "fixes gold"),
    ]
    by_kind = {c.kind: c for c in report["changes"]}
    assert by_kind["relabeled"].details == ["ORG -> PLACE"]
    assert by_kind["value changed"].details == ["amount 5000000 -> 5000000000"]
    assert by_kind["relabeled"].sentence == "Acme Corp opened an office in **Springfield** on Monday."
    assert by_kind["added"].sentence.startswith("It paid $5 million for the building, up **12 percent** on")
    s = report["summary"]
    assert (s["added"], s["removed"], s["changed"]) == (1, 1, 3)

    text = to_markdown(report)
    assert "**1 added / 1 removed / 3 changed**" in text
    assert "`ORG -> PLACE`" in text and "`amount 5000000 -> 5000000000`" in text
    assert "0.500 → 0.750 (+0.250)" in text  # ORG strict P delta
    assert text.count("\n- **") == 5
    data = json.loads(to_json(report))
    assert [c["kind"] for c in data["changes"]] == [g[0] for g in got]
    assert data["metrics"]["ORG.strict.f1"] == {"old": 0.5, "new": 0.6, "delta": 0.1}


def test_cli_json_and_markdown(tmp_path, corpus, monkeypatch):
    from pipeline.cli import app

    write_outputs(tmp_path / "old", OLD)
    write_outputs(tmp_path / "new", NEW)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["diff", "old", "new", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["changed"] == 3
    result = runner.invoke(app, ["diff", "old", "no-such-thing"])
    assert result.exit_code == 2


def git(repo, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_revisions(tmp_path, corpus, monkeypatch):
    repo = tmp_path / "repo"
    shutil.copytree(corpus, repo / "corpus")
    write_outputs(repo / "outputs", OLD)
    git(repo, "init", "-q")
    git(repo, "checkout", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "baseline")
    git(repo, "checkout", "-q", "-b", "branch")
    changed = [dict(e, label="PLACE") if e["text"] == "Springfield" else e for e in OLD]
    write_outputs(repo / "outputs", changed)
    git(repo, "commit", "-q", "-am", "Springfield is a place")
    (repo / "outputs" / "entities.jsonl").write_text("", encoding="utf-8")  # the work tree must not be read

    report = diff("main", "branch", cwd=repo)
    assert report["old"]["kind"] == report["new"]["kind"] == "git"
    assert [(c.kind, c.doc, c.text, c.old["start"], c.gold) for c in report["changes"]] == [
        ("relabeled", "news/a", "Springfield", RAW.index("Springfield"), "fixes gold")]

    monkeypatch.chdir(repo / "corpus")  # revisions resolve from a subfolder too
    report = diff("main", "branch", outputs="../outputs", corpus=".")
    assert [c.text for c in report["changes"]] == ["Springfield"]
    assert "No extraction changes." in to_markdown(diff("main", "main", cwd=repo))
