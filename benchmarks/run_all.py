"""The benchmark suite in one command: every benchmark script, at one scale, into one report.

    python benchmarks/run_all.py --smoke            # CI: small scale, well under a minute per part
    python benchmarks/run_all.py --full --out docs/benchmarks-latest.md

At full scale the query-language, chat and bulk-rating parts share one synthetic base per
database: 1,000,000 customers and ~10,000,000 order lines (``query_language_data``), built on the
first run (~2.5 minutes on SQLite, ~1.5 on PostgreSQL) and kept for the next: a SQLite file
(``--sqlite-url``, default ``benchmarks/results/scale-1m.sqlite``) and a PostgreSQL database
(``--pg-url``, default ``custbot_bench_1m`` on the ``CUSTBOT_TEST_PG_URL`` server, created when
missing). The bulk-rating part changes ratings in them, which no other part depends on.

Each script measures its own baseline in the same run and prints ratios; this runner only runs
them one after another (so they do not compete for the two cores), records the machine's facts,
and collects their output. It asserts nothing about speed: a script that fails makes the run fail.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG = os.environ.get("CUSTBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCALE_SQLITE = f"sqlite:///{HERE / 'results' / 'scale-1m.sqlite'}"
SCALE_PG = PG.rsplit("/", 1)[0] + "/custbot_bench_1m"

# (title, script, smoke arguments, full-scale arguments: {sqlite} and {pg} are the shared bases)
SUITE: list[tuple[str, str, list[str], list[str]]] = [
    (
        "Query language: parse + resolve + compile, and SQL vs hand-written SQL",
        "query_language.py",
        ["--small"],
        [
            "--customers",
            "1000000",
            "--runs",
            "10",
            "--sql-runs",
            "5",
            "--sqlite-url",
            "{sqlite}",
            "--pg-url",
            "{pg}",
        ],
    ),
    (
        "Analytical engine: custbot on the DuckDB copy vs the primary and DuckDB hand SQL; routing",
        "analytics_engine.py",
        ["--smoke"],
        ["--db", "{sqlite}", "--db", "{pg}", "--runs", "3"],
    ),
    (
        "Chat core: answering through the terminal code path, 8 concurrent users",
        "chat_core.py",
        ["--small"],
        ["--db", "{sqlite}", "--db", "{pg}", "--repeat", "5", "--rounds", "1"],
    ),
    (
        "Bulk rating of 100,000 customers (preview + confirm) vs a per-row loop",
        "bulk_rating.py",
        ["--small", "--no-pg"],
        ["--pg", PG, "--scale-db", "{sqlite}", "--scale-db", "{pg}"],
    ),
    (
        "ABC / XYZ / RFM recompute vs pandas",
        "classes.py",
        ["--customers", "2000", "--lines", "20000", "--backend", "sqlite"],
        ["--customers", "1000000", "--lines", "10000000"],
    ),
    (
        "Import of order lines into SQLite (rows per second, peak memory)",
        "import_orders.py",
        ["--lines", "20000", "--customers", "2000", "--products", "500"],
        ["--lines", "1000000", "--customers", "1000000"],
    ),
    (
        "Import of order lines into PostgreSQL (rows per second, peak memory)",
        "import_orders.py",
        [
            "--lines",
            "20000",
            "--small",
            "0",
            "--customers",
            "2000",
            "--products",
            "500",
            "--pg",
            PG,
        ],
        ["--lines", "1000000", "--small", "0", "--customers", "1000000", "--pg", PG],
    ),
    (
        "Mail outbox to a loopback SMTP server vs a bare smtplib loop",
        "mail_outbox.py",
        ["-n", "200", "--repeat", "1"],
        ["-n", "5000"],
    ),
    (
        "Mail sender killed with SIGKILL at random points: duplicates and losses",
        "mail_kill.py",
        ["--kills", "5"],
        ["--kills", "50"],
    ),
    (
        "Telegram front end rendering and one update end to end",
        "telegram_frontend.py",
        ["--repeat", "5"],
        [],
    ),
    (
        "custbot ask start-up: CPU time against a bare python in the same run",
        "ask_startup.py",
        ["--smoke"],
        ["--runs", "7"],
    ),
]


def machine_facts() -> str:
    mem = ""
    try:
        mem = next(
            line
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores, {mem.split(':')[-1].strip()}, "
        f"load average {', '.join(f'{x:.1f}' for x in load)}"
    )


def _ensure_pg_database(url: str) -> None:
    """Create the database of ``url`` on its server when it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        ).scalar():
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    scale = ap.add_mutually_exclusive_group()
    scale.add_argument("--smoke", action="store_true", help="small scale, as CI runs it")
    scale.add_argument("--full", action="store_true", help="full scale (hours on a 2-core machine)")
    ap.add_argument("--only", default="", help="comma-separated script names to run")
    ap.add_argument("--out", type=Path, help="also write the report to this Markdown file")
    ap.add_argument(
        "--sqlite-url", default=SCALE_SQLITE, help="the full-scale SQLite base (built if empty)"
    )
    ap.add_argument(
        "--pg-url",
        default=SCALE_PG,
        help="the full-scale PostgreSQL base (created and built if missing)",
    )
    args = ap.parse_args(argv)
    if args.full:
        _ensure_pg_database(args.pg_url)
        (HERE / "results").mkdir(exist_ok=True)
    full = args.full
    chosen = {s.strip() for s in args.only.split(",") if s.strip()}
    report = [
        f"# Benchmark run ({'full scale' if full else 'smoke'})",
        "",
        f"Machine: {machine_facts()}",
        "",
    ]
    failed = []
    for title, script, smoke_args, full_args in SUITE:
        if chosen and script not in chosen and script.removesuffix(".py") not in chosen:
            continue
        chosen_args = (
            [a.format(sqlite=args.sqlite_url, pg=args.pg_url) for a in full_args]
            if full
            else smoke_args
        )
        cmd = [sys.executable, str(HERE / script), *chosen_args]
        print(f"== {title}\n   {' '.join(cmd[1:])}", flush=True)
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
        took = time.perf_counter() - started
        print(proc.stdout, flush=True)
        if proc.returncode != 0:
            failed.append(script)
            print(proc.stderr[-3000:], file=sys.stderr, flush=True)
        report += [
            f"## {title}",
            "",
            f"`{' '.join(cmd[1:])}` — {took:.1f} s, exit {proc.returncode}",
            "",
            "```text",
            proc.stdout.strip(),
            "```",
            "",
        ]
    if args.out:
        args.out.write_text("\n".join(report), encoding="utf-8")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
