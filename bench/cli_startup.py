"""Cold start of ``pedmassage --help`` beside ``python -c pass`` (the interpreter's own floor).

Prints the median of several runs for each, and their ratio. Target: median <= 0.3 s, which needs
the command modules to import their heavy dependencies (SQLAlchemy, FastAPI, matplotlib) lazily.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 15
TARGET_SECONDS = 0.3
ENTRY = Path(sys.executable).with_name("pedmassage")


def median_seconds(command: list[str]) -> float:
    subprocess.run(command, check=True, capture_output=True)  # warm the file cache once
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    baseline = median_seconds([sys.executable, "-c", "pass"])
    cli = median_seconds([str(ENTRY), "--help"])
    verdict = "meets" if cli <= TARGET_SECONDS else "MISSES"
    print(f"python -c pass      median {baseline:.3f} s")
    print(f"pedmassage --help   median {cli:.3f} s")
    print(f"ratio               {cli / baseline:.1f}x the bare interpreter")
    print(f"target <= {TARGET_SECONDS:.1f} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
