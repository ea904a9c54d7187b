#!/usr/bin/env python3
"""Baseline: enqueue N no-op jobs with pgqueuer 1.6.0, then drain them and report jobs/s.

Mirrors the "drain" strategy of pgqueuer's own tools/benchmark.py: D PgQueuer
consumers, each on its own asyncpg connection, run concurrently in one uvloop
event loop, dequeuing with the library's batch_size. The handler counts jobs;
the drain clock runs from launching the consumers until the handler has seen
all N jobs. Run via ops/bench/pgqueuer-baseline, which sets up the venv.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from importlib.metadata import version
from urllib.parse import parse_qs, urlsplit

import asyncpg

from pgqueuer import PgQueuer
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.queries import Queries

ENTRYPOINT = "bench_noop"


async def connect(dsn: str) -> asyncpg.Connection:
    """asyncpg.connect, honouring a libpq-style ?host=/socket/dir over the URL's host name.

    asyncpg uses the query's host only when the URL has none, so
    postgres://postgres@localhost/postgres?host=/tmp/x would go to TCP localhost.
    """
    hosts = parse_qs(urlsplit(dsn).query).get("host")
    return await asyncpg.connect(dsn=dsn, host=hosts[-1] if hosts else None)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dsn", default=os.environ.get("DATABASE_URL"), help="Postgres URL (default: $DATABASE_URL)")
    p.add_argument("--jobs", type=int, default=100_000, help="no-op jobs to enqueue and drain (default 100000)")
    p.add_argument("--dequeuers", type=int, default=5, help="concurrent PgQueuer consumers, one connection each (default 5)")
    p.add_argument("--batch", type=int, default=100, help="dequeue batch_size per consumer (default 100)")
    p.add_argument("--enqueue-batch", type=int, default=1000, help="jobs per enqueue call (default 1000)")
    p.add_argument("--timeout", type=float, default=600.0, help="give up draining after this many seconds (default 600)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a text line")
    a = p.parse_args()
    if not a.dsn:
        p.error("set DATABASE_URL or pass --dsn")
    if a.jobs < 1 or a.dequeuers < 1 or a.batch < 1 or a.enqueue_batch < 1:
        p.error("--jobs, --dequeuers, --batch and --enqueue-batch must be positive")
    return a


async def reinstall_schema(dsn: str) -> None:
    """Drop pgqueuer's objects if present, then install them fresh (as `pgq install` does)."""
    conn = await connect(dsn)
    try:
        q = Queries(AsyncpgDriver(conn))
        if await q.schema_is_installed():
            await q.uninstall()
        await q.install()
    finally:
        await conn.close()


async def enqueue(dsn: str, jobs: int, chunk: int) -> float:
    conn = await connect(dsn)
    try:
        q = Queries(AsyncpgDriver(conn))
        start = time.perf_counter()
        done = 0
        while done < jobs:
            n = min(chunk, jobs - done)
            await q.enqueue([ENTRYPOINT] * n, [None] * n, [0] * n)
            done += n
        return time.perf_counter() - start
    finally:
        await conn.close()


async def drain(dsn: str, jobs: int, dequeuers: int, batch: int, timeout: float) -> tuple[float, float]:
    """Returns (seconds until the handler saw all jobs, seconds until every consumer had stopped)."""
    # Connect before starting the clock; PgQueuer.run closes its driver on exit.
    conns = [await connect(dsn) for _ in range(dequeuers)]
    pgqs = [PgQueuer.from_asyncpg_connection(c) for c in conns]
    seen = 0
    all_seen = asyncio.Event()

    for pgq in pgqs:
        @pgq.entrypoint(ENTRYPOINT)
        async def noop(job: Job) -> None:
            nonlocal seen
            seen += 1
            if seen == jobs:
                all_seen.set()

    start = time.perf_counter()
    runs = [asyncio.create_task(pgq.run(batch_size=batch)) for pgq in pgqs]
    waiter = asyncio.create_task(all_seen.wait())
    done, _ = await asyncio.wait([waiter, *runs], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    handled = time.perf_counter() - start
    for pgq in pgqs:
        pgq.shutdown.set()
    await asyncio.gather(*runs)  # let buffers flush the final completions
    stopped = time.perf_counter() - start
    if waiter not in done:
        waiter.cancel()
        raise RuntimeError(f"drain incomplete: handler saw {seen}/{jobs} jobs after {handled:.1f}s")
    return handled, stopped


async def leftover(dsn: str) -> int:
    conn = await connect(dsn)
    try:
        q = Queries(AsyncpgDriver(conn))
        return sum(s.count for s in await q.queue_size())
    finally:
        await conn.close()


async def main(a: argparse.Namespace) -> dict:
    await reinstall_schema(a.dsn)
    enqueue_s = await enqueue(a.dsn, a.jobs, a.enqueue_batch)
    drain_s, stopped_s = await drain(a.dsn, a.jobs, a.dequeuers, a.batch, a.timeout)
    left = await leftover(a.dsn)
    if left:
        raise RuntimeError(f"{left} jobs still in the queue table after draining")
    return {
        "tool": "pgqueuer",
        "version": version("pgqueuer"),
        "jobs": a.jobs,
        "dequeuers": a.dequeuers,
        "batch": a.batch,
        "enqueue_jobs_per_s": round(a.jobs / enqueue_s),
        "drain_jobs_per_s": round(a.jobs / drain_s),
        # Extras: enqueue statement size, raw times, and the rate counted until every
        # consumer had stopped (i.e. the last completions flushed to pgqueuer_log).
        "enqueue_batch": a.enqueue_batch,
        "enqueue_s": round(enqueue_s, 3),
        "drain_s": round(drain_s, 3),
        "drain_until_stopped_jobs_per_s": round(a.jobs / stopped_s),
    }


if __name__ == "__main__":
    args = parse_args()
    try:
        import uvloop  # a pgqueuer dependency; its own benchmark runs on it
        result = uvloop.run(main(args))
    except ImportError:
        result = asyncio.run(main(args))
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"pgqueuer {result['version']}: {result['jobs']} jobs, {result['dequeuers']} dequeuers x batch {result['batch']}: "
            f"enqueue {result['enqueue_jobs_per_s']} jobs/s ({result['enqueue_s']:.2f} s, {result['enqueue_batch']} a call), "
            f"drain {result['drain_jobs_per_s']} jobs/s ({result['drain_s']:.2f} s; "
            f"{result['drain_until_stopped_jobs_per_s']} jobs/s until consumers stopped)"
        )
    sys.exit(0)
