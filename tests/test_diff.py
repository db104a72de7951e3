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
    assert "**No changes**" in text
    assert "added" not in text.split("**No changes**")[1]


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
    assert "**spans: 1 added / 1 removed / 3 changed**" in text
    assert "`ORG -> PLACE`" in text and "`amount 5000000 -> 5000000000`" in text
    # Metrics are scored by the diff against the gold, whatever metrics.json says (0.5 / 0.6 there):
    # OLD has ORG tp 1 fp 2 fn 1, NEW tp 2 fp 0 fn 0.
    assert "0.333 → 1.000 (+0.667)" in text  # ORG strict P
    assert "0.400 → 1.000 (+0.600)" in text  # ORG strict F1
    assert text.count("\n- **") == 5
    data = json.loads(to_json(report))
    assert [c["kind"] for c in data["changes"]] == [g[0] for g in got]
    assert data["metrics"]["ORG.strict.f1"] == {"old": 0.4, "new": 1.0, "delta": 0.6}
    assert data["metrics"]["MONEY.value_accuracy"] == {"old": 1.0, "new": 0.0, "delta": -1.0}


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
    assert "**No changes**" in to_markdown(diff("main", "main", cwd=repo))


# --------------------------------------------------------------------------- records, metadata, cleaning, metrics


def write_side(folder, entities, documents=None, clean=None, metrics=None):
    """An output folder: entities, documents (default: news/a), clean/<doc>.txt texts, a metrics.json."""
    write_jsonl(folder / "entities.jsonl", entities)
    write_jsonl(folder / "documents.jsonl", documents or [
        {"doc": "news/a", "path": "news/a.txt", "status": "ok", "title": "Acme opens", "outlet": "Example News"}])
    for doc, text in (clean or {}).items():
        path = folder / "clean" / f"{doc}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")


ORG_ACME = dict(span("ORG", "Acme Corp"), org={"id": "acme", "name": "Acme Corporation"})
PLACE_SPRINGFIELD = dict(span("PLACE", "Springfield"), place={
    "id": "geo:1", "name": "Springfield", "level": "city", "province": "Illinois", "country": "US"})


def test_only_one_org_record_id_changed(tmp_path, corpus):
    old = [ORG_ACME, PLACE_SPRINGFIELD]
    new = [dict(ORG_ACME, org={"id": "org:acme-corp", "name": "Acme Corporation"}), PLACE_SPRINGFIELD]
    write_side(tmp_path / "old", old)
    write_side(tmp_path / "new", new)
    report = diff(str(tmp_path / "old"), str(tmp_path / "new"), corpus=corpus)
    assert not report["identical"]
    [change] = report["changes"]
    assert (change.kind, change.label, change.text) == ("record changed", "ORG", "Acme Corp")
    assert change.details == ["org.id acme -> org:acme-corp"]
    assert report["summary"]["by_kind"]["record changed"] == 1 and report["summary"]["changed"] == 1
    text = to_markdown(report)
    assert "(1 record changed)" in text and "`org.id acme -> org:acme-corp`" in text
    assert "ORG.gazetteer_share" in text  # the grounding metric the id change moved, scored now

    moved = [ORG_ACME, dict(PLACE_SPRINGFIELD, place={**PLACE_SPRINGFIELD["place"], "level": "county",
                                                      "country": "GB"})]
    write_side(tmp_path / "moved", moved)
    [change] = diff(str(tmp_path / "old"), str(tmp_path / "moved"), corpus=corpus)["changes"]
    assert change.details == ["place.country US -> GB", "place.level city -> county"]


def test_document_metadata_changes_are_counted(tmp_path, corpus):
    docs = [{"doc": "news/a", "path": "news/a.txt", "status": "ok", "title": "Acme opens", "outlet": "Example News",
             "published": "2024-03-04", "language": "en"}]
    changed = [dict(docs[0], title="Acme opens an office", published=None, language="de",
                    status="skipped: not English (de)")]
    write_side(tmp_path / "old", OLD, docs)
    write_side(tmp_path / "new", OLD, changed)
    report = diff(str(tmp_path / "old"), str(tmp_path / "new"), corpus=corpus)
    assert report["changes"] == [] and not report["identical"]
    assert report["documents"]["news/a"] == [
        "status ok -> skipped: not English (de)", "title Acme opens -> Acme opens an office",
        "published 2024-03-04 -> none", "language en -> de"]
    text = to_markdown(report)
    assert "**metadata: 1 document**" in text and "- document: `title Acme opens -> Acme opens an office`" in text


def test_cleaning_only_change_has_a_line_diff(tmp_path, corpus):
    before = "Acme Corp opened an office in Springfield on Monday.\n\nShare this article\n\nIt paid $5 million.\n"
    after = "Acme Corp opened an office in Springfield on Monday.\n\nIt paid $5 million.\n"
    write_side(tmp_path / "old", OLD, clean={"news/a": before})
    write_side(tmp_path / "new", OLD, clean={"news/a": after})
    report = diff(str(tmp_path / "old"), str(tmp_path / "new"), corpus=corpus)
    assert report["changes"] == [] and report["documents"] == {} and not report["identical"]
    lines = report["cleaning"]["news/a"]
    assert lines[:2] == ["--- OLD/clean/news/a.txt", "+++ NEW/clean/news/a.txt"]
    assert "-Share this article" in lines and not any(ln.startswith("+") for ln in lines[2:])
    assert report["summary"]["cleaning"] == 1
    text = to_markdown(report)
    assert "**cleaning: 1 clean text** (+0 / −2 lines)" in text  # the line and its blank separator
    assert "```diff\n--- OLD/clean/news/a.txt\n+++ NEW/clean/news/a.txt\n" in text
    assert "\n-Share this article\n" in text
    # A text holding a code fence cannot close the block.
    write_side(tmp_path / "fence", OLD, clean={"news/a": after + "```\n**bold**\n"})
    text = to_markdown(diff(str(tmp_path / "old"), str(tmp_path / "fence"), corpus=corpus))
    assert "````diff\n" in text and "\n+```\n" in text


def test_stale_metrics_json_does_not_matter(tmp_path, corpus):
    # Same entities, metrics.json files that disagree (one is stale): no change, metrics unchanged.
    write_side(tmp_path / "old", OLD, metrics={"core.strict.f1": 0.984, "ORG.strict.f1": 0.9})
    write_side(tmp_path / "new", OLD, metrics={"core.strict.f1": 0.983, "ORG.strict.f1": 0.1})
    report = diff(str(tmp_path / "old"), str(tmp_path / "new"), corpus=corpus)
    assert report["identical"]
    assert all(e["old"] == e["new"] for e in report["metrics"].values())
    text = to_markdown(report)
    assert "0.984" not in text and "0.983" not in text and "Metrics unchanged" in text
    # Different entities, identical (stale) metrics.json: the deltas are there.
    write_side(tmp_path / "newer", NEW, metrics={"core.strict.f1": 0.984, "ORG.strict.f1": 0.9})
    report = diff(str(tmp_path / "old"), str(tmp_path / "newer"), corpus=corpus)
    assert report["metrics"]["ORG.strict.f1"]["new"] == 1.0
    assert report["metrics"]["core.strict.f1"] != {"old": 0.984, "new": 0.984, "delta": 0.0}
    # core (ORG, PLACE, MONEY, PERCENT): OLD tp 2 fp 2 fn 2, NEW tp 4 fp 1 fn 0.
    assert "core strict F1 0.500 → 0.889 (+0.389)" in to_markdown(report)


def test_paths_outside_the_corpus_are_refused(tmp_path, corpus):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET line\n", encoding="utf-8")
    docs = [{"doc": "news/a", "path": "news/a.txt", "status": "ok"},
            {"doc": "passwd", "path": "/etc/passwd", "status": "ok"},
            {"doc": "up", "path": "../secret.txt", "status": "ok"},
            {"doc": "../../secret", "path": "news/a.txt", "status": "ok"}]
    ents = OLD + [dict(OLD[0], doc="passwd"), dict(OLD[0], doc="up"), dict(OLD[0], doc="../../secret")]
    write_side(tmp_path / "old", ents, docs, clean={"news/a": "x\n"})
    (tmp_path / "new").mkdir()
    shutil.copytree(tmp_path / "old", tmp_path / "new", dirs_exist_ok=True)
    (tmp_path / "new" / "entities.jsonl").write_text("".join(json.dumps(e) + "\n" for e in ents[:-1]),
                                                     encoding="utf-8")
    report = diff(str(tmp_path / "old"), str(tmp_path / "new"), corpus=corpus)
    notes = "\n".join(report["notes"])
    assert "passwd: article not read: documents.jsonl path '/etc/passwd' is absolute" in notes
    assert "up: article not read: documents.jsonl path '../secret.txt' climbs out with '..'" in notes
    text = to_markdown(report) + to_json(report)
    assert "root:" not in text and "TOP SECRET" not in text
    [removed] = report["changes"]
    assert removed.doc == "../../secret" and removed.kind == "removed"


def test_cli_prints_notes_and_refusals(tmp_path, corpus, monkeypatch):
    from pipeline.cli import app

    docs = [{"doc": "news/a", "path": "news/a.txt", "status": "ok"}, {"doc": "x", "path": "../x", "status": "ok"}]
    write_side(tmp_path / "old", OLD, docs)
    write_side(tmp_path / "new", NEW, docs)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["diff", "old", "new"])
    assert result.exit_code == 0, result.output
    assert "x: article not read: documents.jsonl path '../x' climbs out with '..'" in result.stderr
    assert "**spans: 1 added / 1 removed / 3 changed**" in result.stdout


def _md5(data: bytes) -> str:
    import hashlib

    return hashlib.md5(data).hexdigest()


def _put_clean_in_dvc_cache(repo, texts: dict[str, str]) -> str:
    """Store texts as DVC 3 would (files/md5/xx/rest, a .dir manifest); return the manifest's md5."""
    cache = repo / ".dvc" / "cache" / "files" / "md5"
    entries = []
    for relpath, text in sorted(texts.items()):
        data = text.encode("utf-8")
        oid = _md5(data)
        (cache / oid[:2]).mkdir(parents=True, exist_ok=True)
        (cache / oid[:2] / oid[2:]).write_bytes(data)
        entries.append({"md5": oid, "relpath": relpath})
    manifest = json.dumps(entries, separators=(", ", ": ")).encode()
    oid = _md5(manifest) + ".dir"
    (cache / oid[:2]).mkdir(parents=True, exist_ok=True)
    (cache / oid[:2] / oid[2:]).write_bytes(manifest)
    return oid


def _write_lock(repo, md5: str) -> None:
    (repo / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  clean:\n    cmd: pipeline clean corpus --out outputs\n    outs:\n"
        f"    - path: outputs/clean\n      hash: md5\n      md5: {md5}\n", encoding="utf-8")


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_sides_read_clean_texts_from_the_dvc_cache(tmp_path, corpus):
    repo = tmp_path / "repo"
    shutil.copytree(corpus, repo / "corpus")
    (repo / ".dvc").mkdir()
    (repo / ".dvc" / "config").write_text("[core]\n    analytics = false\n", encoding="utf-8")
    (repo / ".gitignore").write_text("/.dvc/cache\n/outputs/clean\n", encoding="utf-8")
    write_outputs(repo / "outputs", OLD)
    _write_lock(repo, _put_clean_in_dvc_cache(repo, {"news/a.txt": "Acme Corp opened.\n\nShare this\n"}))
    git(repo, "init", "-q")
    git(repo, "checkout", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "baseline")
    git(repo, "checkout", "-q", "-b", "branch")
    _write_lock(repo, _put_clean_in_dvc_cache(repo, {"news/a.txt": "Acme Corp opened.\n"}))
    git(repo, "commit", "-q", "-am", "cleaning vocabulary: drop share bars")

    report = diff("main", "branch", cwd=repo)
    assert report["changes"] == [] and report["notes"] == []
    assert "-Share this" in report["cleaning"]["news/a"]
    # A revision whose clean texts are not in the cache: said so, nothing claimed about cleaning.
    _write_lock(repo, "0123456789abcdef0123456789abcdef.dir")
    git(repo, "commit", "-q", "-am", "unknown clean outputs")
    report = diff("main", "HEAD", cwd=repo)
    assert report["cleaning"] == {} and report["identical"]
    assert any("not in the local DVC cache" in n and "dvc pull" in n for n in report["notes"])
