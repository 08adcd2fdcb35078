"""Start-up of the ``fortnox-bridge`` command: wall time and peak memory of the whole process.

    python bench/cli_start.py [--runs 5]

Each command runs as a fresh process, started by a fresh helper process that times it and reads
its peak RSS from ``resource.getrusage(RUSAGE_CHILDREN)`` (the helper has no other child, so the
figure is the command's alone), with its CPU time (user + system: steadier than wall time when
other work shares the machine). ``python -c pass`` is measured the same way, as the floor of any
Python command. Prints one JSON line per command with the medians of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

#: Runs argv[1:] once; prints wall seconds, the child's CPU seconds and its peak RSS in KiB.
HELPER = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - started
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, used.ru_utime + used.ru_stime, used.ru_maxrss)
"""

SMALL_SIE = b'#FLAGGA 0\r\n#SIETYP 4\r\n#FNAMN "Litet AB"\r\n#RAR 0 20260101 20261231\r\n'


def commands(folder: Path) -> dict[str, list[str]]:
    """What is measured: the floor, the help, a group's help, a command, and a file tool."""
    sie = folder / "small.se"
    sie.write_bytes(SMALL_SIE)
    bridge = [sys.executable, "-m", "fortnox_bridge"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "fortnox-bridge --help": [*bridge, "--help"],
        "fortnox-bridge tenants --help": [*bridge, "tenants", "--help"],
        "fortnox-bridge version": [*bridge, "version"],
        "fortnox-bridge sie info (4 lines)": [*bridge, "sie", "info", str(sie)],
    }


def measure(command: list[str]) -> tuple[float, float, float]:
    """One run in a fresh helper: (wall seconds, CPU seconds, peak RSS in MiB)."""
    done = subprocess.run(
        [sys.executable, "-c", HELPER, *command], capture_output=True, text=True, check=True
    )
    wall, cpu, rss_kib = done.stdout.split()
    return float(wall), float(cpu), int(rss_kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, command in commands(Path(folder)).items():
            measure(command)  # warm the file cache; not counted
            runs = [measure(command) for _ in range(args.runs)]
            print(
                json.dumps(
                    {
                        "benchmark": "cli_start",
                        "command": name,
                        "runs": args.runs,
                        "wall_s_median": round(statistics.median(r[0] for r in runs), 3),
                        "wall_s_all": [round(r[0], 3) for r in runs],
                        "cpu_s_median": round(statistics.median(r[1] for r in runs), 3),
                        "peak_rss_mib_median": round(statistics.median(r[2] for r in runs), 1),
                    }
                )
            )


if __name__ == "__main__":
    main()
