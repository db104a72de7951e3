"""The gold set is valid, and accuracy stays above the recorded floors."""

import hashlib
import json

from pipeline.review.evaluation import evaluate
from pipeline.review.gold import check_gold

from conftest import CORPUS, ROOT


def test_gold_check_passes():
    assert check_gold(CORPUS) == []


def test_gold_check_catches_bad_offsets(tmp_path):
    corpus = tmp_path / "c"
    (corpus / "gold").mkdir(parents=True)
    (corpus / "a.txt").write_text("Beijing is big.", encoding="utf-8")
    (corpus / "gold" / "a.jsonl").write_text(json.dumps({"doc": "a", "start": 0, "end": 6, "label": "PLACE", "text": "Beijing"}) + "\n")
    (corpus / "gold" / "a.lines.json").write_text('{"boilerplate": [], "either": []}')
    problems = check_gold(corpus)
    assert len(problems) == 1 and "a.jsonl:1" in problems[0]


def test_accuracy_gate(run_outputs):
    out, _ = run_outputs
    metrics = evaluate(CORPUS, out)["metrics"]
    baseline = json.loads((ROOT / "tests" / "baseline.json").read_text())
    gold_hash = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((CORPUS / "gold").iterdir()))).hexdigest()
    assert gold_hash == baseline["gold_sha256"], "gold changed: re-measure and update tests/baseline.json"
    for key, floor in baseline["floors"].items():
        assert metrics[key] >= floor, f"{key} = {metrics[key]} fell below {floor}"
