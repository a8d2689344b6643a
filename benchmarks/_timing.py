"""Small helpers shared by the chat-core and bulk-rating benchmarks: timing statistics, memory,
machine load, and scratch databases (a temporary SQLite file, a PostgreSQL schema dropped after).

Example::

    with scratch_database("sqlite") as engine:
        samples = [timed(lambda: do_something(engine)) for _ in range(20)]
        print(fmt_ms(median(samples)), fmt_ms(p90(samples)), load_note())
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.sql import compiler  # noqa: E402

from storage.db import connect  # noqa: E402

__all__ = [
    "DEFAULT_PG_URL",
    "timed",
    "median",
    "p90",
    "fmt_ms",
    "load_note",
    "rss_mb",
    "peak_rss_mb",
    "pg_reachable",
    "scratch_database",
    "print_table",
    "in_subprocess",
    "compile_cached",
]

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def in_subprocess(target: Callable[..., None], *args: Any) -> Any:
    """What ``target(*args, queue)`` puts on ``queue``, run in a fresh (spawned) process, so that
    its memory and time are its own."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    result = out.get()
    proc.join()
    return result


def compile_cached(stmt: Any, engine: Engine) -> bool:
    """Compile ``stmt`` as ``Connection.execute`` does (through the engine's compiled cache) and
    bind its values; True on a cache hit."""
    compiled, extracted, hit = stmt._compile_w_cache(
        dialect=engine.dialect,
        compiled_cache=engine._compiled_cache,
        column_keys=[],
        for_executemany=False,
        schema_translate_map=None,
        linting=engine.dialect.compiler_linting | compiler.WARN_LINTING,
    )
    compiled.construct_params(extracted_parameters=extracted, escape_names=False)
    return bool(hit)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes, e.g. ``timed(lambda: sum(range(10)))``."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p90(samples: list[float]) -> float:
    """The 90th percentile (nearest rank), e.g. ``p90([1, 2, …, 10]) == 9``."""
    ordered = sorted(samples)
    return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def load_note() -> str:
    """The machine's load right now (the machine is shared), e.g. ``load 1.20 0.90 0.70 on 2 cpus``."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cpus"


def rss_mb() -> float:
    """Current resident set size of this process in MiB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pg_reachable(url: str) -> str | None:
    """None when PostgreSQL at ``url`` answers, else why not (one line)."""
    try:
        eng = create_engine(url)
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
    except Exception as e:  # noqa: BLE001 - any failure means "unreachable"
        return f"PostgreSQL at {url} is unreachable: {type(e).__name__}: {e}"[:300]
    return None


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def scratch_database(
    backend: str, *, pg_url: str = DEFAULT_PG_URL, sqlite_url: str | None = None
) -> Iterator[Engine]:
    """A migrated database that is thrown away afterwards.

    ``sqlite``: a temporary file (or ``sqlite_url`` as given, which is kept). ``postgresql``: a new
    schema ``bench_<random>`` on ``pg_url``, dropped on exit.
    """
    if backend == "sqlite":
        if sqlite_url is not None:
            engine = connect(sqlite_url)
            try:
                yield engine
            finally:
                engine.dispose()
            return
        with tempfile.TemporaryDirectory(prefix="custbot-bench-") as tmp:
            engine = connect(f"sqlite:///{tmp}/bench.sqlite")
            try:
                yield engine
            finally:
                engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = connect(_with_search_path(pg_url, schema))
        try:
            yield engine
        finally:
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A plain aligned table on stdout (first column left-aligned, the rest right-aligned)."""
    cells = [header, *rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
