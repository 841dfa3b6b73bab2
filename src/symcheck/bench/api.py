"""Load test of the HTTP API: a uvicorn server in its own process on loopback, driven from this process.

The load is open-loop: request i is due at ``start + i / rate`` whatever happened to the earlier ones,
so a slow server cannot slow the load down and hide its own latency. Latency is measured from the moment
a request is sent until its whole response is read; the "from schedule" figure also counts any time a
request waited for a free client thread, so the two together show whether the client kept up.

Each request is one full interview step (POST /v1/interview): a simulated patient's demographics and
every answer so far, taken from interviews simulated in advance against the pack.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

from symcheck.engine.posterior import outcome_probability
from symcheck.errors import InputError
from symcheck.interview import Interview
from symcheck.kb.loader import outcome_ids
from symcheck.kb.pack import Pack
from symcheck.results import NextQuestion

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 5.0


@dataclass
class LoadFigures:
    phase: str
    target_rps: float | None
    duration_s: float
    requests: int
    errors: int
    achieved_rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    p99_from_schedule_ms: float | None = None
    late_starts: int = 0


@dataclass
class ApiBench:
    pack: str
    pack_version: str
    server_workers: int
    client_threads: int
    bodies: int
    mean_answers: float
    phases: list[LoadFigures] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ----- the requests ---------------------------------------------------------------------------------------


def _sample_answer(pack: Pack, question: NextQuestion, condition: int, rng: random.Random) -> Any:
    """An answer a patient with ``condition`` would give, drawn from the pack's own likelihoods."""
    model = pack.compiled.model
    ev_id = question.evidence_id
    if rng.random() < 0.05:
        return "unknown"
    if ev_id in pack.checklists:  # tick the items this patient has, each by its own yes/no likelihood
        return [c.id for c in question.choices
                if rng.random() < outcome_probability(model, pack.compiled.outcome_index[c.id]["present"], condition)]
    e = pack.evidence[ev_id]
    index = pack.compiled.outcome_index[ev_id]
    if e.type == "yes_no":
        p = outcome_probability(model, index["present"], condition)
        return "present" if rng.random() < p else "absent"
    if e.type == "many_of":
        return [c for c in outcome_ids(e) if rng.random() < outcome_probability(model, index[c], condition)]
    choices = outcome_ids(e)
    weights = [outcome_probability(model, index[c], condition) for c in choices]
    choice = rng.choices(choices, weights=weights)[0]
    if e.type == "one_of":
        return choice
    # number: a value inside the chosen bin
    edges = [0.0, *e.bins]
    b = int(choice[1:])
    lo = edges[b] if b < len(edges) else e.bins[-1]
    hi = e.bins[b] if b < len(e.bins) else lo * 2 + 1
    return round(rng.uniform(lo, hi), 1)


def interview_bodies(pack: Pack, count: int = 200, seed: int = 7) -> list[dict[str, Any]]:
    """Request bodies of realistic interview steps: simulated patients (a condition drawn in proportion to
    its prior, answers drawn from its likelihoods), one body per step of each interview."""
    rng = random.Random(seed)
    conditions = pack.compiled.condition_ids
    priors = [pack.conditions[c].prior.base for c in conditions]
    complaints = [c.id for c in pack.meta.complaints]
    bodies: list[dict[str, Any]] = []
    while len(bodies) < count:
        condition = rng.choices(range(len(conditions)), weights=priors)[0]
        sex = rng.choice(["female", "male"])
        age = rng.randint(18, 85)
        body: dict[str, Any] = {"pack": pack.id, "age": age, "sex": sex, "answers": {}}
        if complaints:
            body["complaint"] = rng.choice(complaints)
        try:
            interview = Interview(pack, age=age, sex=sex, complaint=body.get("complaint"))
        except InputError:
            continue
        for _ in range(pack.meta.stop.max_questions):
            question = interview.next_question()
            bodies.append({**body, "answers": dict(body["answers"])})
            if question is None or len(bodies) >= count:
                break
            answer = _sample_answer(pack, question, condition, rng)
            body["answers"][question.evidence_id] = answer
            interview.answer(question.evidence_id, answer)
    return bodies[:count]


# ----- the server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """``uvicorn symcheck.api.app:create_app`` in a child process, serving one pack on loopback."""

    def __init__(self, pack: Pack, workers: int = 1):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="symcheck-bench-")
        env = dict(os.environ)
        env.update({
            "SYMCHECK_PACKS": str(pack.path),
            "SYMCHECK_DATABASE_URL": f"sqlite:///{Path(self._tmp.name) / 'bench.db'}",
        })
        env.pop("SYMCHECK_DEFAULT_PACK", None)
        cmd = [sys.executable, "-m", "uvicorn", "symcheck.api.app:create_app", "--factory", "--host", HOST,
               "--port", str(self.port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise RuntimeError(f"the API server exited during start-up: {err.strip()[-500:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the API server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._tmp.cleanup()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ----- the load -------------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


def _figures(phase: str, rate: float | None, duration: float, latencies: list[float], late: list[float],
             errors: int, late_starts: int) -> LoadFigures:
    return LoadFigures(
        phase=phase,
        target_rps=rate,
        duration_s=round(duration, 3),
        requests=len(latencies) + errors,
        errors=errors,
        achieved_rps=round(len(latencies) / duration, 1) if duration > 0 else 0.0,
        p50_ms=round(_percentile(latencies, 50), 2),
        p90_ms=round(_percentile(latencies, 90), 2),
        p99_ms=round(_percentile(latencies, 99), 2),
        max_ms=round(max(latencies), 2) if latencies else math.nan,
        p99_from_schedule_ms=round(_percentile(late, 99), 2) if late else None,
        late_starts=late_starts,
    )


class _Connection:
    """A keep-alive HTTP/1.1 connection (http.client: far less client CPU per request than httpx, so the
    client does not compete with the server for the two cores)."""

    def __init__(self, url: str):
        parsed = urlsplit(url)
        self.host, self.port = parsed.hostname or HOST, parsed.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)

    def post_step(self, body: bytes) -> bool:
        """POST one interview step; True when it is a 200 with an interview step in it."""
        for attempt in range(2):
            try:
                self.conn.request("POST", "/v1/interview", body=body,
                                  headers={"Content-Type": "application/json", "Connection": "keep-alive"})
                response = self.conn.getresponse()
                data = response.read()
                return response.status == 200 and b'"should_stop"' in data
            except (OSError, http.client.HTTPException):
                self.conn.close()  # reconnect once: the server may have closed an idle connection
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
                if attempt:
                    return False
        return False

    def close(self) -> None:
        self.conn.close()


def _encoded(bodies: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(b).encode() for b in bodies]


def fixed_rate(url: str, bodies: list[dict[str, Any]], rate: float, duration: float, threads: int,
               phase: str = "fixed rate") -> LoadFigures:
    """Send ``rate`` requests a second for ``duration`` seconds (open loop) and time each one."""
    total = int(rate * duration)
    payloads = _encoded(bodies)
    lock = threading.Lock()
    latencies: list[float] = []
    from_schedule: list[float] = []
    counters = {"errors": 0, "late": 0}
    connections = [_Connection(url) for _ in range(threads)]
    ready = threading.Barrier(threads + 1)
    schedule = {"start": 0.0}

    def worker(k: int) -> None:
        conn = connections[k]
        ready.wait()
        start = schedule["start"]
        for i in range(k, total, threads):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            ok = conn.post_step(payloads[i % len(payloads)])
            done = time.perf_counter()
            with lock:
                if not ok:
                    counters["errors"] += 1
                    continue
                latencies.append((done - sent) * 1000)
                from_schedule.append((done - due) * 1000)
                if sent - due > 0.002:
                    counters["late"] += 1

    pool = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(threads)]
    for t in pool:
        t.start()
    schedule["start"] = time.perf_counter() + 0.05
    ready.wait()
    for t in pool:
        t.join(timeout=duration + REQUEST_TIMEOUT_S * 2 + 5)
    for conn in connections:
        conn.close()
    elapsed = max(time.perf_counter() - schedule["start"], 1e-9)
    return _figures(phase, rate, elapsed, latencies, from_schedule, counters["errors"], counters["late"])


def closed_loop(url: str, bodies: list[dict[str, Any]], duration: float, connections: int) -> LoadFigures:
    """As many requests as ``connections`` clients can send back to back: the server's throughput."""
    payloads = _encoded(bodies)
    lock = threading.Lock()
    latencies: list[float] = []
    counters = {"errors": 0}
    conns = [_Connection(url) for _ in range(connections)]
    ready = threading.Barrier(connections + 1)
    window = {"stop": 0.0}

    def worker(k: int) -> None:
        i = k
        conn = conns[k]
        ready.wait()
        while time.perf_counter() < window["stop"]:
            sent = time.perf_counter()
            ok = conn.post_step(payloads[i % len(payloads)])
            done = time.perf_counter()
            i += connections
            with lock:
                if ok:
                    latencies.append((done - sent) * 1000)
                else:
                    counters["errors"] += 1

    pool = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(connections)]
    for t in pool:
        t.start()
    began = time.perf_counter()
    window["stop"] = began + duration
    ready.wait()
    for t in pool:
        t.join(timeout=duration + REQUEST_TIMEOUT_S + 5)
    for conn in conns:
        conn.close()
    return _figures(f"max throughput ({connections} connections)", None, time.perf_counter() - began, latencies,
                    [], counters["errors"], 0)


def run(pack: Pack, *, rate: float = 200.0, duration: float = 10.0, warmup: float = 1.0, threads: int = 16,
        server_workers: int = 1, saturate_s: float = 3.0, connections: int = 8,
        progress: Callable[[str], None] | None = None) -> ApiBench:
    """Start the server, warm it up, run the fixed-rate phase and (optionally) a throughput phase."""
    say = progress or (lambda _msg: None)
    say("simulating interviews")
    bodies = interview_bodies(pack)
    result = ApiBench(pack=pack.id, pack_version=pack.version, server_workers=server_workers, client_threads=threads,
                      bodies=len(bodies), mean_answers=round(sum(len(b["answers"]) for b in bodies) / len(bodies), 1))
    with Server(pack, workers=server_workers) as server:
        say("starting the server")
        server.wait_ready()
        if warmup > 0:
            say("warming up")
            fixed_rate(server.url, bodies, rate, warmup, threads, phase="warm-up")
        say(f"{rate:g} requests/s for {duration:g} s")
        result.phases.append(fixed_rate(server.url, bodies, rate, duration, threads))
        if saturate_s > 0:
            say("measuring the most requests/s")
            result.phases.append(closed_loop(server.url, bodies, saturate_s, connections))
    return result
