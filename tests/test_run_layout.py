"""The runner split by concern: no import circle, library code never prints."""

import ast
import shutil
from pathlib import Path

from conftest import CORPUS, ROOT

RUN = ROOT / "pipeline" / "run"


def _imports(path: Path) -> set[str]:
    """pipeline.* modules a file imports, at any depth (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pipeline"))
    return found


def test_run_modules_import_no_circle():
    graph = {f"pipeline.run.{p.stem}": {m for m in _imports(p) if m.startswith("pipeline.run.")}
             for p in RUN.glob("*.py") if p.stem != "__init__"}
    assert "pipeline.run.corpus" not in graph["pipeline.run.distributed"]

    def visit(node, path):
        assert node not in path, f"import circle: {' -> '.join(path + [node])}"
        for nxt in graph.get(node, ()):
            visit(nxt, path + [node])

    for module in graph:
        visit(module, [])


def test_library_code_does_not_print():
    for path in (ROOT / "pipeline").rglob("*.py"):
        if path.name == "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} prints; use logging")


def test_a_failed_file_is_not_printed_by_the_library(tmp_path, settings, capfd):
    """It used to be printed by the runner and again by the CLI."""
    from pipeline.run.corpus import process_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "000_637891541be9abb4.txt", corpus / "good.txt")
    (corpus / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    summary = process_corpus(corpus, tmp_path / "out", settings, workers=1)
    assert summary.failed == [("bad.txt", "error: not text (binary content)")]
    captured = capfd.readouterr()
    assert "bad.txt" not in captured.out + captured.err
