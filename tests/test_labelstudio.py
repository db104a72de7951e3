"""Label Studio round trip: gold -> tasks -> (Label Studio) -> export -> gold, byte for byte."""

import json
import shutil
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.review.gold import check_gold, gold_warnings
from pipeline.review.labelstudio import (
    MODEL_VERSION,
    LabelStudioError,
    export_tasks,
    import_export,
    labeling_config,
)
from pipeline.settings import LABELS

from conftest import CORPUS

NAMES = sorted(p.stem for p in CORPUS.glob("*.txt"))


def _copy_article(tmp_path, name):
    """A tmp corpus holding one article and its gold (spans and cleaning gold)."""
    corpus = tmp_path / "corpus"
    (corpus / "gold").mkdir(parents=True)
    shutil.copy2(CORPUS / f"{name}.txt", corpus / f"{name}.txt")
    for suffix in (".jsonl", ".lines.json"):
        shutil.copy2(CORPUS / "gold" / f"{name}{suffix}", corpus / "gold" / f"{name}{suffix}")
    return corpus


def _as_label_studio_export(tasks, *, extra_annotations=None):
    """What Label Studio's JSON export gives back for imported tasks after a person submitted them.

    Ids are assigned, each region gets "origin", and, as Label Studio does,
    whitespace inside a region's value.text is collapsed (offsets stay right).
    """
    exported = []
    for number, task in enumerate(tasks, start=1):
        annotations = []
        for a_number, annotation in enumerate(task.get("annotations", []), start=1):
            result = []
            for item in annotation["result"]:
                item = json.loads(json.dumps(item))
                item["value"]["text"] = " ".join(item["value"]["text"].split())
                item["origin"] = "manual"
                result.append(item)
            annotations.append({
                "id": 100 * number + a_number, "completed_by": 1, "result": result,
                "was_cancelled": False, "ground_truth": False,
                "created_at": "2025-05-02T09:15:31.512418Z", "updated_at": "2025-05-02T09:20:07.081265Z",
                "draft_created_at": None, "lead_time": 276.3, "prediction": {}, "result_count": 0,
                "unique_id": f"6b1c2d3e-0000-4000-8000-{number:012d}", "import_id": None,
                "last_action": None, "bulk_created": False, "task": number, "project": 7, "updated_by": 1,
                "parent_prediction": None, "parent_annotation": None, "last_created_by": None,
            })
        annotations.extend((extra_annotations or {}).get(number, []))
        exported.append({
            "id": number, "annotations": annotations, "file_upload": "3f2a1b0c-tasks.json", "drafts": [],
            "predictions": [], "data": task["data"], "meta": {},
            "created_at": "2025-05-02T09:10:00.000000Z", "updated_at": "2025-05-02T09:20:07.100000Z",
            "inner_id": number, "total_annotations": len(annotations), "cancelled_annotations": 0,
            "total_predictions": 0, "comment_count": 0, "unresolved_comment_count": 0,
            "last_comment_updated_at": None, "project": 7, "updated_by": 1, "comment_authors": [],
        })
    return exported


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_is_byte_identical(tmp_path, name):
    corpus = _copy_article(tmp_path, name)
    gold_path = corpus / "gold" / f"{name}.jsonl"
    lines_path = corpus / "gold" / f"{name}.lines.json"
    original, original_lines = gold_path.read_bytes(), lines_path.read_bytes()

    tasks = export_tasks(corpus, [name], False, tmp_path / "outputs")
    assert len(tasks) == 1 and "predictions" not in tasks[0]
    assert tasks[0]["data"]["text"] == (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
    assert tasks[0]["data"]["name"] == name
    export_path = tmp_path / "export.json"
    export_path.write_text(json.dumps(_as_label_studio_export(tasks)), encoding="utf-8")

    report = import_export(export_path, corpus, corpus / "gold")

    assert report.written == [gold_path]
    assert gold_path.read_bytes() == original
    assert lines_path.read_bytes() == original_lines
    assert check_gold(corpus) == []


def test_latest_annotation_wins_cancelled_ignored_and_new_spans_have_no_values(tmp_path):
    name = "001_a70c9ee9ece33c9b"
    corpus = _copy_article(tmp_path, name)
    gold_path = corpus / "gold" / f"{name}.jsonl"
    old = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines()]
    raw = (corpus / f"{name}.txt").read_text(encoding="utf-8")
    money = next(s for s in old if s["label"] == "MONEY")
    tasks = export_tasks(corpus, [name], False, tmp_path / "outputs")
    result = tasks[0]["annotations"][0]["result"]

    # The reviewer drops the first span and moves the MONEY span's start one character.
    newer = json.loads(json.dumps(result[1:]))
    moved = next(r for r in newer if r["value"]["start"] == money["start"] and r["value"]["labels"] == ["MONEY"])
    moved["value"]["start"] += 1
    moved["value"]["text"] = raw[moved["value"]["start"]:moved["value"]["end"]]
    later = {1: [
        {"id": 500, "result": newer, "was_cancelled": False,
         "created_at": "2025-06-01T10:00:00.000000Z", "updated_at": "2025-06-01T10:05:00.000000Z"},
        {"id": 501, "result": [], "was_cancelled": True,
         "created_at": "2025-07-01T10:00:00.000000Z", "updated_at": "2025-07-01T10:00:00.000000Z"},
    ]}
    report = import_export(_as_label_studio_export(tasks, extra_annotations=later), corpus, corpus / "gold")

    assert report.written == [gold_path]
    new = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").splitlines()]
    assert len(new) == len(old) - 1
    assert all(raw[s["start"]:s["end"]] == s["text"] for s in new)
    assert [s["start"] for s in new] == sorted(s["start"] for s in new)
    changed = next(s for s in new if s["start"] == money["start"] + 1)
    assert set(changed) == {"doc", "start", "end", "label", "text"}  # values must be re-entered by hand
    assert check_gold(corpus) == []
    warnings = gold_warnings(corpus)
    assert len(warnings) == 1 and "MONEY" in warnings[0] and "amount" in warnings[0]
    assert (corpus / "gold" / f"{name}.lines.json").read_bytes() == (CORPUS / "gold" / f"{name}.lines.json").read_bytes()


def test_task_with_only_cancelled_annotations_is_skipped(tmp_path):
    name = "x03_photo_gallery"
    corpus = _copy_article(tmp_path, name)
    before = (corpus / "gold" / f"{name}.jsonl").read_bytes()
    tasks = export_tasks(corpus, [name], False, tmp_path / "outputs")
    exported = _as_label_studio_export(tasks)
    exported[0]["annotations"][0]["was_cancelled"] = True
    report = import_export(exported, corpus, corpus / "gold")
    assert report.written == [] and len(report.skipped) == 1
    assert (corpus / "gold" / f"{name}.jsonl").read_bytes() == before


def test_bad_regions_write_nothing(tmp_path):
    name = "x03_photo_gallery"
    corpus = _copy_article(tmp_path, name)
    before = (corpus / "gold" / f"{name}.jsonl").read_bytes()
    tasks = export_tasks(corpus, [name], False, tmp_path / "outputs")
    exported = _as_label_studio_export(tasks)
    exported[0]["annotations"][0]["result"][0]["value"]["labels"] = ["PERSON"]
    exported[0]["annotations"][0]["result"][1]["value"]["end"] = 10 ** 9
    with pytest.raises(LabelStudioError) as info:
        import_export(exported, corpus, corpus / "gold")
    assert len(info.value.problems) == 2
    assert (corpus / "gold" / f"{name}.jsonl").read_bytes() == before


def test_gold_warnings_empty_on_repository_gold():
    assert gold_warnings(CORPUS) == []


def _fake_outputs(tmp_path, name):
    raw = (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
    out = tmp_path / "outputs"
    out.mkdir()
    start = raw.index("Vip.com")
    records = [{"doc": name, "label": "ORG", "start": start, "end": start + 7, "text": "Vip.com"},
               {"doc": "some_other_doc", "label": "ORG", "start": 0, "end": 3, "text": "abc"}]
    (out / "entities.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return out, start


def test_predictions_only_with_flag(tmp_path):
    name = "000_637891541be9abb4"
    corpus = _copy_article(tmp_path, name)
    outputs, start = _fake_outputs(tmp_path, name)
    runner = CliRunner()

    plain = runner.invoke(app, ["gold", "export", str(corpus), "--outputs", str(outputs), "--out", str(tmp_path / "a")])
    assert plain.exit_code == 0, plain.output
    tasks = json.loads((tmp_path / "a" / "tasks.json").read_text(encoding="utf-8"))
    assert [t["data"]["name"] for t in tasks] == [name]
    assert "predictions" not in tasks[0] and tasks[0]["annotations"][0]["result"]

    pre = runner.invoke(app, ["gold", "export", str(corpus), "--docs", name, "--with-predictions",
                              "--outputs", str(outputs), "--out", str(tmp_path / "b")])
    assert pre.exit_code == 0, pre.output
    tasks = json.loads((tmp_path / "b" / "tasks.json").read_text(encoding="utf-8"))
    (prediction,) = tasks[0]["predictions"]
    assert prediction["model_version"] == MODEL_VERSION
    assert [r["value"] for r in prediction["result"]] == [
        {"start": start, "end": start + 7, "text": "Vip.com", "labels": ["ORG"]}]
    assert {(r["from_name"], r["to_name"], r["type"]) for r in prediction["result"]} == {("label", "text", "labels")}
    assert (tmp_path / "b" / "labeling_config.xml").read_text(encoding="utf-8") == labeling_config()


def test_cli_import_runs_the_gold_check(tmp_path):
    name = "x04_press_conference"
    corpus = _copy_article(tmp_path, name)
    original = (corpus / "gold" / f"{name}.jsonl").read_bytes()
    runner = CliRunner()
    assert runner.invoke(app, ["gold", "export", str(corpus), "--out", str(tmp_path / "ls")]).exit_code == 0
    tasks = json.loads((tmp_path / "ls" / "tasks.json").read_text(encoding="utf-8"))
    export = tmp_path / "export.json"
    export.write_text(json.dumps(_as_label_studio_export(tasks)), encoding="utf-8")
    ok = runner.invoke(app, ["gold", "import", str(export), str(corpus)])
    assert ok.exit_code == 0, ok.output
    assert (corpus / "gold" / f"{name}.jsonl").read_bytes() == original

    # Two overlapping regions: written, then reported by the gold check (exit 1).
    exported = _as_label_studio_export(tasks)
    first = exported[0]["annotations"][0]["result"][0]
    overlapping = json.loads(json.dumps(first))
    overlapping["id"] = "extra"
    overlapping["value"]["end"] += 1
    overlapping["value"]["text"] = tasks[0]["data"]["text"][overlapping["value"]["start"]:overlapping["value"]["end"]]
    exported[0]["annotations"][0]["result"].append(overlapping)
    export.write_text(json.dumps(exported), encoding="utf-8")
    bad = runner.invoke(app, ["gold", "import", str(export), str(corpus)])
    assert bad.exit_code == 1
    assert "overlaps" in bad.output


def test_labeling_config_parses_and_lists_the_six_labels():
    root = ET.fromstring(labeling_config())
    assert root.tag == "View"
    (labels,) = root.findall("Labels")
    assert labels.get("name") == "label" and labels.get("toName") == "text"
    assert [label.get("value") for label in labels.findall("Label")] == list(LABELS)
    colors = [label.get("background") for label in labels.findall("Label")]
    assert len(set(colors)) == len(LABELS) and all(c.startswith("#") for c in colors)
    (text,) = root.findall("Text")
    assert text.get("name") == "text" and text.get("value") == "$text"
