"""A run killed with SIGKILL leaves no worker behind (and so no held lock)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def test_workers_die_with_a_killed_run(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, path in enumerate(sorted(CORPUS.glob("*.txt"))[:6]):
        (corpus / f"a{i}.txt").write_bytes(path.read_bytes() * 20)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--out", str(tmp_path / "out"),
                             "--workers", "2", "--no-cache"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not workers:
        time.sleep(0.2)
        workers = _children(proc.pid)
    assert workers, "the run never started a worker"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    alive = workers
    while time.monotonic() < deadline and alive:
        time.sleep(0.2)
        alive = [w for w in workers if Path(f"/proc/{w}").exists()
                 and Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    assert not alive, f"workers outlived the killed run: {alive}"
    # and the next run is not locked out by an orphan holding the lock
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--out", str(tmp_path / "out"),
                           "--workers", "1", "--no-cache"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-1000:]
