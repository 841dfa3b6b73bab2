"""`symcheck bench api`: requests per second and latency of a full interview step over HTTP."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from symcheck.cli.apps import bench_app
from symcheck.kb.pack import DEFAULT_PACK, load_pack

GOAL_RPS = 200.0
GOAL_P99_MS = 25.0


@bench_app.command("api")
def api(
    pack: str = typer.Option(DEFAULT_PACK, help="Pack name or folder to serve and interview."),
    rate: float = typer.Option(GOAL_RPS, min=1, max=5000, help="Requests per second (open loop)."),
    duration: float = typer.Option(10.0, min=0.5, max=120, help="Seconds of load at that rate."),
    warmup: float = typer.Option(1.0, min=0, max=30, help="Seconds of load before measuring."),
    threads: int = typer.Option(16, min=1, max=256, help="Client threads sending the requests."),
    server_workers: int = typer.Option(1, min=1, max=16, help="uvicorn worker processes."),
    saturate: float = typer.Option(3.0, min=0, max=60, help="Seconds of back-to-back load to find the most "
                                   "requests/s (0: skip)."),
    connections: int = typer.Option(8, min=1, max=256, help="Connections in the throughput phase."),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures as JSON here."),
    goals: bool = typer.Option(True, "--goals/--no-goals", help="Also measure the hardening goals (issue 15): "
                               "/healthz under load, rare-disease memory, stalled bodies, kill -9 cycles."),
    healthz_seconds: float = typer.Option(5.0, min=0, max=120, help="Seconds of /healthz probes while 4 clients "
                                          "send /v1/explain with every answer (0: skip)."),
    rare_concurrent: int = typer.Option(40, min=0, max=500, help="Maximal /v1/rare/rank requests sent at once "
                                        "(0: skip)."),
    stalled: int = typer.Option(2000, min=0, max=10000, help="Connections that send part of a body and stall "
                                "(0: skip)."),
    body_timeout: float = typer.Option(5.0, min=0.5, max=60, help="The server's body timeout in the goal phases."),
    kill_cycles: int = typer.Option(3, min=0, max=50, help="kill -9 cycles while storing and deleting (0: skip)."),
) -> None:
    """Start the API on loopback in its own process and load it with POST /v1/interview steps of
    simulated patients: achieved requests/s, p50 / p90 / p99 latency. Then (unless --no-goals) the
    hardening goals, each against a fresh server on 127.0.0.1: /healthz p99 while 4 clients hammer the
    most expensive endpoint; server memory under concurrent maximal rare-disease rankings and after;
    stalled request bodies closed within the body timeout; kill -9 cycles losing no acknowledged write and
    leaving no copy of a deleted assessment on disk."""
    from symcheck.bench import api as bench  # imported here: every CLI start imports this module

    loaded = load_pack(pack)
    console = Console(stderr=True)
    with console.status("benchmarking") as status:
        result = bench.run(loaded, rate=rate, duration=duration, warmup=warmup, threads=threads,
                           server_workers=server_workers, saturate_s=saturate, connections=connections,
                           progress=lambda msg: status.update(msg))
        if goals:
            result.goals = bench.run_goals(loaded, healthz_s=healthz_seconds, rare_concurrent=rare_concurrent,
                                           stalled=stalled, body_timeout_s=body_timeout, cycles=kill_cycles,
                                           progress=lambda msg: status.update(msg))
    table = Table(title=f"POST /v1/interview, pack {result.pack} {result.pack_version}: latency in ms "
                        f"({result.server_workers} server worker(s), {os.cpu_count()} CPUs, "
                        f"{result.mean_answers:g} answers per request on average)")
    table.add_column("load", no_wrap=True)
    for col in ("req/s", "requests", "errors", "p50", "p90", "p99", "max", "p99 sched."):
        table.add_column(col, justify="right", no_wrap=True)
    for f in result.phases:
        load = f"{f.target_rps:g}/s fixed" if f.target_rps else f"max, {f.phase.split('(')[-1].rstrip(')')}"
        table.add_row(load, f"{f.achieved_rps:g}", str(f.requests), str(f.errors), f"{f.p50_ms:.2f}",
                      f"{f.p90_ms:.2f}", f"{f.p99_ms:.2f}", f"{f.max_ms:.2f}",
                      f"{f.p99_from_schedule_ms:.2f}" if f.p99_from_schedule_ms is not None else "-")
    out = Console(width=max(Console().width, 110))  # the table is wider than a default 80-column pipe
    out.print(table)
    fixed = result.phases[0]
    if rate >= GOAL_RPS and not math.isnan(fixed.p99_ms):
        met = fixed.p99_ms <= GOAL_P99_MS and fixed.errors == 0
        out.print(f"Goal p99 <= {GOAL_P99_MS:g} ms at {GOAL_RPS:g} requests/s: {'met' if met else 'NOT met'} "
                        f"(p99 {fixed.p99_ms:.2f} ms at {fixed.achieved_rps:g}/s, {fixed.errors} errors)")
    out.print("p99 sched.: measured from when each request was due, so it includes any wait for a free "
                    "client thread (close to p99 when the client kept up).")
    if result.goals:
        goal_table = Table(title="Hardening goals (issue 15), each on a fresh server on 127.0.0.1")
        for col in ("phase", "goal", "measured", "met"):
            goal_table.add_column(col, overflow="fold")
        for g in result.goals:
            goal_table.add_row(g.name, g.target, g.measured, "met" if g.met else "NOT met")
        out.print(goal_table)
    if json_out:
        json_out.write_text(json.dumps(result.as_dict(), indent=2))
