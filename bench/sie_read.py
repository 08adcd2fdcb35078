"""Time streaming SIE reading: MB/s and peak RSS, side by side with pysie-accounting and the floor.

    python bench/sie_read.py [--size-mb 100] [--min-rows 1000000] [--pysie-mb 10] [--repeat 3]
                             [--keep DIR]

Generates, in a temporary folder, a SIE 4E file of at least ``--size-mb`` MB and ``--min-rows``
``#TRANS`` rows (CP437, CRLF, Fortnox-like rows with object lists, dates, texts and quantities)
and a smaller ASCII file in the dialect pysie-accounting can parse (quoted series and numbers,
regdate on every voucher, UTF-8 reading). Then it measures, each in a child process
so that peak RSS is that reader's own (``getrusage(RUSAGE_CHILDREN)`` of a fresh parent):

- ``floor``: a plain loop that reads each line, decodes it and splits it on blanks: the least
  any Python reader of SIE has to pay;
- ``fortnox_bridge``: :class:`SieReader`, streaming typed records (Decimal amounts, dates,
  object lists), counting vouchers and rows and summing amounts per account as ``sie info`` does;
- ``pysie-accounting``: ``PySIE.open`` (it loads every line into a list and needs pandas and an
  SRU translation CSV; it is skipped with a reason when it cannot be imported).

Prints one JSON line per measurement (the median of ``--repeat`` runs), then one line of ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ACCOUNTS = (1510, 1910, 1930, 2440, 2611, 2641, 3010, 3041, 4010, 5010, 6110, 6212, 7010, 7510)
TEXTS = (
    "Kaffebröd till personalmötet",
    "Hyra lokal Storgatan januari",
    "Försäljning varor 25% moms",
    "Inköp kontorsmaterial Åhléns",
    "Löner december utbetalning",
    "Faktura 10045 Kund Öberg AB",
)


def generate(
    path: Path, size_mb: float, *, min_rows: int = 0, pysie: bool = False, seed: int = 7
) -> int:
    """Write a SIE 4E file of at least ``size_mb`` MB and ``min_rows`` ``#TRANS`` rows; return
    its number of rows."""
    rnd = random.Random(seed)
    target = int(size_mb * 1_000_000)
    encoding, newline = ("ascii", "\n") if pysie else ("cp437", "\r\n")
    texts = [t.encode("ascii", "ignore").decode() for t in TEXTS] if pysie else list(TEXTS)
    rows = 0
    with path.open("w", encoding=encoding, newline=newline) as out:
        out.write(
            '#FLAGGA 0\n#PROGRAM "fortnox-bridge bench" 1.0\n#FORMAT PC8\n#GEN 20250101\n'
            '#SIETYP 4\n#ORGNR 556000-0000\n#FNAMN "Bench AB"\n#RAR 0 20240101 20241231\n'
            '#KPTYP EUBAS97\n#DIM 1 "Kostnadsställe"\n#DIM 6 "Projekt"\n'.replace(
                "ä", "a" if pysie else "ä"
            )
        )
        for account in ACCOUNTS:
            out.write(f'#KONTO {account} "Konto {account}"\n#SRU {account} 7{account % 1000:03d}\n')
            out.write(f"#IB 0 {account} 0.00\n#UB 0 {account} 0.00\n#RES 0 {account} 0.00\n")
        number = 0
        while out.tell() < target or rows < min_rows:
            number += 1
            day = f"2024{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
            text = rnd.choice(texts)
            head = f'"A" "{number}"' if pysie else f"A {number}"
            out.write(f'#VER {head} {day} "{text}" {day}\n{{\n')
            amounts = [rnd.randint(100, 10_000_000) for _ in range(rnd.randint(2, 5))]
            amounts.append(-sum(amounts))
            for amount in amounts:
                rows += 1
                account = rnd.choice(ACCOUNTS)
                objects = f'1 "{rnd.randint(100, 120)}" 6 "P{rnd.randint(1000, 1050)}"'
                value = f"{Decimal(amount) / 100:.2f}"
                out.write(
                    f'\t#TRANS {account} {{{objects}}} {value} {day} "{rnd.choice(texts)}" 1.00\n'
                )
            out.write("}\n")
    return rows


def work_fortnox_bridge(path: Path) -> dict[str, object]:
    """Stream the file with SieReader: count and sum like ``sie info``."""
    from fortnox_bridge.formats.sie import SieReader, Voucher

    totals: defaultdict[str, Decimal] = defaultdict(Decimal)
    vouchers = rows = 0
    with path.open("rb") as stream:
        for record in SieReader(stream):
            if isinstance(record, Voucher):
                vouchers += 1
                for row in record.rows:
                    if row.kind == "TRANS":
                        rows += 1
                        totals[row.account] += row.amount
    return {"vouchers": vouchers, "rows": rows, "total": str(sum(totals.values()))}


def work_floor(path: Path) -> dict[str, object]:
    """The floor: read, decode and split every line, nothing else."""
    lines = fields = 0
    with path.open("rb") as stream:
        for line in stream:
            fields += len(line.decode("cp437").split())
            lines += 1
    return {"lines": lines, "fields": fields}


def work_pysie(path: Path) -> dict[str, object]:
    """pysie-accounting's PySIE.open (needs pandas and an SRU → INK2 CSV)."""
    try:
        from pysie_accounting.pysie import PySIE
    except ImportError as exc:
        return {"skipped": f"pysie-accounting cannot be imported: {exc}"}
    sru_csv = path.with_suffix(".sru.csv")
    sru_csv.write_text(
        "SRU,Ink2\n" + "".join(f"7{a % 1000:03d},X{a}\n" for a in ACCOUNTS), encoding="utf-8"
    )
    sie = PySIE()
    sie.open_trans(str(sru_csv))
    sie.open(str(path))
    rows = sum(len(voucher[3]) for voucher in sie.verifikat.values())
    return {"vouchers": len(sie.verifikat), "rows": rows}


WORKERS = {"fortnox_bridge": work_fortnox_bridge, "floor": work_floor, "pysie": work_pysie}


def worker(name: str, path: Path) -> None:
    """Child process: run one reader once, print its timing as JSON (imports not timed)."""
    if name == "fortnox_bridge":
        import fortnox_bridge.formats.sie  # noqa: F401
    elif name == "pysie":
        with contextlib.suppress(ImportError):
            import pysie_accounting.pysie  # noqa: F401
    started = time.perf_counter()
    result = WORKERS[name](path)
    result["seconds"] = time.perf_counter() - started
    print(json.dumps(result))


def measure_once(name: str, path: Path) -> None:
    """Fresh parent of one worker: its RUSAGE_CHILDREN peak RSS is that worker's alone."""
    done = subprocess.run(
        [sys.executable, __file__, "--worker", name, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    # ru_maxrss is in KiB on Linux.
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def measure(name: str, path: Path, repeat: int) -> dict[str, object]:
    """Median of ``repeat`` runs of one reader on one file."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--measure", name, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout))
    first = runs[0]
    if "skipped" in first:
        return {"benchmark": "sie_read", "reader": name, "file": path.name, **first}
    seconds = statistics.median(float(run["seconds"]) for run in runs)
    size_mb = path.stat().st_size / 1_000_000
    return {
        "benchmark": "sie_read",
        "reader": name,
        "file": path.name,
        "file_mb": round(size_mb, 1),
        **{k: v for k, v in first.items() if k not in ("seconds", "peak_rss_mb")},
        "seconds": round(seconds, 2),
        "mb_per_s": round(size_mb / seconds, 1),
        "peak_rss_mb": round(max(float(run["peak_rss_mb"]) for run in runs), 1),
        "runs": repeat,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100)
    parser.add_argument("--min-rows", type=int, default=1_000_000)
    parser.add_argument("--pysie-mb", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the files here and keep them")
    parser.add_argument("--worker", nargs=2, metavar=("READER", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=2, metavar=("READER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return 0
    if args.measure:
        measure_once(args.measure[0], Path(args.measure[1]))
        return 0
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        big, small = folder / "bench-4e.se", folder / "bench-pysie.se"
        started = time.perf_counter()
        big_rows = generate(big, args.size_mb, min_rows=args.min_rows)
        small_rows = generate(small, args.pysie_mb, pysie=True)
        print(
            json.dumps(
                {
                    "benchmark": "sie_read",
                    "generated": [big.name, small.name],
                    "file_mb": [round(p.stat().st_size / 1e6, 1) for p in (big, small)],
                    "trans_rows": [big_rows, small_rows],
                    "seconds": round(time.perf_counter() - started, 1),
                }
            ),
            flush=True,
        )
        results: dict[tuple[str, str], dict[str, object]] = {}
        for name, path in (
            ("floor", big),
            ("fortnox_bridge", big),
            ("floor", small),
            ("fortnox_bridge", small),
            ("pysie", small),
        ):
            results[name, path.name] = result = measure(name, path, args.repeat)
            print(json.dumps(result), flush=True)
        print(json.dumps(_ratios(results, big.name, small.name)), flush=True)
    return 0


def _ratios(
    results: dict[tuple[str, str], dict[str, object]], big: str, small: str
) -> dict[str, object]:
    def speed(name: str, file: str) -> float | None:
        value = results[name, file].get("mb_per_s")
        return float(value) if isinstance(value, int | float) else None

    ours_big, floor_big = speed("fortnox_bridge", big), speed("floor", big)
    ours_small, pysie_small = speed("fortnox_bridge", small), speed("pysie", small)
    ratios: dict[str, object] = {"benchmark": "sie_read", "ratios": True}
    if ours_big and floor_big:
        ratios["fortnox_bridge_vs_floor"] = round(ours_big / floor_big, 2)
    if ours_small and pysie_small:
        ratios["fortnox_bridge_vs_pysie_speed"] = round(ours_small / pysie_small, 2)
        rss_ours = float(results["fortnox_bridge", small]["peak_rss_mb"])  # type: ignore[arg-type]
        rss_pysie = float(results["pysie", small]["peak_rss_mb"])  # type: ignore[arg-type]
        ratios["pysie_vs_fortnox_bridge_rss"] = round(rss_pysie / rss_ours, 2)
    return ratios


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
