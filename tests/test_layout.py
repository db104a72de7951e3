"""The package follows the data path, and lower layers never import upper ones."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "pipeline"
# read -> clean -> components -> extractor -> run -> review; api and cli sit on top.
LAYERS = {"settings": 0, "records": 0, "read": 1, "clean": 2, "components": 3, "extractor": 4, "run": 5,
          "review": 6, "api": 7, "cli": 8}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "pipeline" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


def test_lower_layers_never_import_upper_ones():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        module = "pipeline." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
        own = _layer(module)
        if own is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                other = _layer(name)
                if other is not None and other > own:
                    wrong.append(f"{module} imports {name}")
    assert not wrong, wrong
