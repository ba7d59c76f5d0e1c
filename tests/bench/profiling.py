"""py-spy profiles of running servers for `make bench PROFILE=1`: a flame graph (SVG) and the
raw collapsed stacks per process, and the top entries by own time and by total time.

py-spy attaches with ptrace (root here); `--nonblocking` reads the process's memory without
pausing it, so that two recorders (raw and SVG) can sample the same process and the measured
server is not stopped for each sample.
"""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

#: "function (path/to/file.py:123)" in py-spy's raw format; the line number is dropped when
#: entries are added up per function.
FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str:
    found = Path(sys.executable).with_name("py-spy")
    return str(found) if found.exists() else (shutil.which("py-spy") or "py-spy")


class Recorder:
    """py-spy recording each named process until `stop()`."""

    def __init__(self, pids: dict[str, int], out_dir: Path, rate: int = 100) -> None:
        self.out_dir = out_dir
        self.pids = pids
        self.rate = rate
        self.procs: list[subprocess.Popen] = []

    def raw_path(self, name: str) -> Path:
        return self.out_dir / f"{name}.raw"

    def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in self.pids.items():
            for fmt, path in (("raw", self.raw_path(name)), ("flamegraph", self.out_dir / f"{name}.svg")):
                self.procs.append(subprocess.Popen(
                    [py_spy(), "record", "--pid", str(pid), "--rate", str(self.rate), "--nonblocking", "--gil",
                     "--format", fmt, "--output", str(path)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                ))

    def stop(self) -> None:
        """SIGINT makes py-spy write its output and exit."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                _, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
            if proc.returncode not in (0, -signal.SIGINT) and err:
                print(f"py-spy: {err.decode(errors='replace').strip()[-300:]}", file=sys.stderr)


def frame_name(frame: str, root: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    file = match["file"]
    for prefix in (root + "/", "site-packages/"):
        if prefix in file:
            file = file.split(prefix, 1)[1]
    return f"{match['function']} ({file})"


def aggregate(raw: Path, root: str = "") -> tuple[Counter[str], Counter[str], int]:
    """Samples per function: own (the innermost frame) and total (anywhere on the stack), and
    the number of samples."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [frame_name(f, root) for f in stack.split(";") if f]
        if not frames:
            continue
        samples += n
        own[frames[-1]] += n
        for name in set(frames):
            total[name] += n
    return own, total, samples


def print_top(name: str, raw: Path, root: str, count: int = 15) -> None:
    if not raw.exists():
        print(f"no profile for {name} ({raw} missing)")
        return
    own, total, samples = aggregate(raw, root)
    print(f"\n{name}: {samples} samples ({raw}, flame graph {raw.with_suffix('.svg')})")
    print(f"  top {count} by own time")
    for function, n in own.most_common(count):
        print(f"  {100 * n / max(samples, 1):5.1f}%  {function}")
    print(f"  top {count} by total time (the project's code and Rasa's, below the request handling that "
          f"holds half of the samples or more)")
    shown = 0
    for function, n in total.most_common():
        if n >= samples / 2:
            continue
        if "(" in function and any(part in function for part in ("rasa", "bot/", "actions/", "integrations/")):
            print(f"  {100 * n / max(samples, 1):5.1f}%  {function}")
            shown += 1
            if shown == count:
                break
