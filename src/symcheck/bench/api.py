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
    goals: list[Goal] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ----- the requests ---------------------------------------------------------------------------------------


def _sample_answer(pack: Pack, question: NextQuestion, condition: int, rng: random.Random) -> Any:
    """An answer a patient with ``condition`` would give, drawn from the pack's own likelihoods."""
    model = pack.compiled.model
    ev_id = question.evidence_id
    if rng.random() < 0.05:
        return "unknown"
    if ev_id not in pack.evidence:  # a list question (checklist, emergency gate, red-flag group): tick the
        # items this patient has, each by its own yes/no likelihood
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
    """``symcheck serve`` in a child process, serving one pack on loopback only, with the settings a real
    deployment gets (connection limit, body timeout, keep-alive). With one worker the child is the server
    process itself, so its memory can be read from /proc."""

    def __init__(self, pack: Pack, workers: int = 1, *, data_dir: Path | None = None,
                 env_extra: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._tmp = tempfile.TemporaryDirectory(prefix="symcheck-bench-")
        self.data_dir = data_dir or Path(self._tmp.name)
        env = dict(os.environ)
        env.update({
            "SYMCHECK_PACKS": str(pack.path),
            "SYMCHECK_DATABASE_URL": f"sqlite:///{self.data_dir / 'bench.db'}",
            **(env_extra or {}),
        })
        for key in ("SYMCHECK_DEFAULT_PACK", "SYMCHECK_TRUSTED_HOSTS", "SYMCHECK_SERVE_PARENT_PID"):
            env.pop(key, None)
        cmd = [sys.executable, "-m", "symcheck.cli.main", "serve", "--host", HOST, "--port", str(self.port),
               "--workers", str(workers), "--pack", str(pack.path), "--log-level", "warning"]
        # The log goes to a file: a pipe nobody reads would fill up and stall the server.
        self.log_path = Path(self._tmp.name) / "server.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=self._log, text=True)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.log_path.read_text(errors="replace")
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
        self._log.close()
        self._tmp.cleanup()

    def kill(self) -> None:
        """SIGKILL, as a crash would: nothing gets to clean up."""
        self.proc.kill()
        self.proc.wait()

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid)

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


# ----- issue 15: the hardening goals -------------------------------------------------------------------------
# Each phase below measures one goal of issue 15 against a real `symcheck serve` on loopback and says
# whether it is met. All are bounded in time; none talks to anything but 127.0.0.1.

GOAL_HEALTHZ_P99_MS = 25.0
GOAL_RARE_PEAK_MB = 800.0
GOAL_RARE_AFTER_MB = 400.0
GOAL_STALLED_GROWTH_MB = 20.0


@dataclass
class Goal:
    name: str
    target: str
    measured: str
    met: bool
    figures: dict[str, Any] = field(default_factory=dict)


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux /proc), in MB; NaN where it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


class _RssSampler:
    """The peak of a process's RSS, sampled every few milliseconds in a thread."""

    def __init__(self, pid: int, every_s: float = 0.02):
        self.pid, self.every_s = pid, every_s
        self.peak = rss_mb(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            value = rss_mb(self.pid)
            if value > self.peak:
                self.peak = value
            self._stop.wait(self.every_s)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    return response.status, data, {k.lower(): v for k, v in response.getheaders()}


def _connect(url: str, timeout: float = 30.0) -> http.client.HTTPConnection:
    parsed = urlsplit(url)
    return http.client.HTTPConnection(parsed.hostname or HOST, parsed.port or 80, timeout=timeout)


def explain_body(pack: Pack) -> dict[str, Any]:
    """The most expensive request: /v1/explain with every question of the pack answered."""
    answers: dict[str, Any] = {}
    for e in pack.evidence.values():
        if e.sexes and "female" not in e.sexes:
            continue
        if e.type == "yes_no":
            answers[e.id] = "absent"
        elif e.type in ("one_of", "many_of"):
            first = outcome_ids(e)[0]
            answers[e.id] = first if e.type == "one_of" else [first]
        else:
            answers[e.id] = e.bins[0] if e.bins else 1
    return {"pack": pack.id, "age": 40, "sex": "female", "answers": answers,
            "condition": pack.compiled.condition_ids[0]}


def healthz_under_load(url: str, body: dict[str, Any], clients: int = 4, duration: float = 5.0,
                       probe_every_s: float = 0.02) -> Goal:
    """``clients`` threads send the most expensive request back to back; another checks /healthz."""
    payload = json.dumps(body).encode()
    stop = threading.Event()
    counts = {"ok": 0, "other": 0}
    lock = threading.Lock()

    def hammer() -> None:
        conn = _connect(url)
        while not stop.is_set():
            try:
                status, _data, _h = _request(conn, "POST", "/v1/explain", payload)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = _connect(url)
                status = 0
            with lock:
                counts["ok" if status == 200 else "other"] += 1
        conn.close()

    pool = [threading.Thread(target=hammer, daemon=True) for _ in range(clients)]
    for t in pool:
        t.start()
    time.sleep(min(1.0, duration / 4))  # let the load build up first
    probe = _connect(url)
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + duration
    while time.perf_counter() < end:
        sent = time.perf_counter()
        try:
            status, _data, _h = _request(probe, "GET", "/healthz")
            if status == 200:
                latencies.append((time.perf_counter() - sent) * 1000)
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            probe.close()
            probe = _connect(url)
        time.sleep(probe_every_s)
    stop.set()
    for t in pool:
        t.join(timeout=REQUEST_TIMEOUT_S * 6)
    probe.close()
    p99 = _percentile(latencies, 99)
    figures = {"clients": clients, "duration_s": duration, "healthz_requests": len(latencies),
               "healthz_errors": errors, "healthz_p50_ms": round(_percentile(latencies, 50), 2),
               "healthz_p99_ms": round(p99, 2), "healthz_max_ms": round(max(latencies), 2) if latencies else math.nan,
               "explain_ok": counts["ok"], "explain_other": counts["other"],
               "explain_per_s": round(counts["ok"] / (duration + min(1.0, duration / 4)), 1),
               "answers": len(body["answers"])}
    met = not math.isnan(p99) and p99 <= GOAL_HEALTHZ_P99_MS and errors == 0 and counts["ok"] > 0
    return Goal("healthz while 4 clients hammer /v1/explain", f"p99 <= {GOAL_HEALTHZ_P99_MS:g} ms",
                f"p50 {figures['healthz_p50_ms']} ms, p99 {figures['healthz_p99_ms']} ms, "
                f"max {figures['healthz_max_ms']} ms ({len(latencies)} probes; {counts['ok']} explains with "
                f"{len(body['answers'])} answers)", met, figures)


def maximal_rare_body(terms: int = 200) -> dict[str, Any]:
    """The largest request /v1/rare/rank accepts: ``terms`` observed and as many excluded phenotype terms
    (no excluded term is an observed one or above it), the most diseases."""
    from symcheck.api.routers.rare import MAX_TOP
    from symcheck.rare.service import load_rare_index

    index = load_rare_index()
    graph = index.graph
    rng = random.Random(15)
    phenotypic = [i for i in range(len(index.term_ids)) if graph.is_phenotype[i]]
    rng.shuffle(phenotypic)
    observed = phenotypic[:terms]
    above = {int(a) for t in observed for a in graph.ancestors(t)} | set(observed)
    excluded = [t for t in phenotypic[terms:] if t not in above][:terms]
    return {"observed": [index.term_ids[t] for t in observed], "excluded": [index.term_ids[t] for t in excluded],
            "age": 30, "sex": "female", "top": MAX_TOP}


def rare_memory(server: Server, body: dict[str, Any], concurrent: int = 40, settle_s: float = 3.0) -> Goal:
    """``concurrent`` maximal rare-disease rankings at once: the server's peak RSS and its RSS after."""
    payload = json.dumps(body).encode()
    conn = _connect(server.url, timeout=120)
    status, data, _h = _request(conn, "POST", "/v1/rare/rank", payload)  # loads the HPO index
    conn.close()
    if status != 200:
        raise RuntimeError(f"rare-disease ranking failed: {status} {data[:300]!r}")
    reply_kb = len(data) / 1024
    time.sleep(0.5)
    before = server.rss_mb()
    statuses: list[int] = []
    lock = threading.Lock()
    ready = threading.Barrier(concurrent + 1)

    def one() -> None:
        c = _connect(server.url, timeout=300)
        ready.wait()
        try:
            code, _d, _hh = _request(c, "POST", "/v1/rare/rank", payload)
        except (OSError, http.client.HTTPException):
            code = 0
        c.close()
        with lock:
            statuses.append(code)

    began = time.perf_counter()
    with _RssSampler(server.proc.pid) as sampler:
        pool = [threading.Thread(target=one, daemon=True) for _ in range(concurrent)]
        for t in pool:
            t.start()
        ready.wait()
        for t in pool:
            t.join(timeout=600)
        took = time.perf_counter() - began
        time.sleep(settle_s)
    after = server.rss_mb()
    figures = {"concurrent": concurrent, "observed_terms": len(body["observed"]), "excluded_terms": len(body["excluded"]),
               "request_kb": round(len(payload) / 1024, 1), "reply_kb": round(reply_kb, 1),
               "rss_before_mb": round(before, 1), "rss_peak_mb": round(sampler.peak, 1), "rss_after_mb": round(after, 1),
               "ok": statuses.count(200), "busy_503": statuses.count(503),
               "other": len(statuses) - statuses.count(200) - statuses.count(503), "seconds": round(took, 2)}
    met = sampler.peak < GOAL_RARE_PEAK_MB and after < GOAL_RARE_AFTER_MB and figures["other"] == 0
    return Goal(f"{concurrent} concurrent maximal /v1/rare/rank", f"RSS < {GOAL_RARE_PEAK_MB:g} MB, "
                f"< {GOAL_RARE_AFTER_MB:g} MB after",
                f"RSS {before:.0f} MB before, peak {sampler.peak:.0f} MB, {after:.0f} MB {settle_s:g} s after "
                f"({figures['ok']} ranked, {figures['busy_503']} told 503 busy; reply {reply_kb:.0f} KB)", met, figures)


def stalled_bodies(server: Server, count: int = 2000, body_timeout_s: float = 5.0, slack_s: float = 1.0) -> Goal:
    """``count`` connections each send the headers of a POST and part of its body, then nothing."""
    import selectors

    time.sleep(0.5)
    before = server.rss_mb()
    head = (f"POST /v1/interview HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: 1000\r\n\r\n").encode() + b'{"age": 40, "answers": {'
    sel = selectors.DefaultSelector()
    opened: dict[socket.socket, float] = {}
    closed_after: list[float] = []
    status_counts: dict[str, int] = {}
    refused = 0
    with _RssSampler(server.proc.pid) as sampler:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(5)
            try:
                s.connect((HOST, server.port))
                s.sendall(head)
            except OSError:
                refused += 1
                s.close()
                continue
            s.setblocking(False)
            opened[s] = time.perf_counter()
            sel.register(s, selectors.EVENT_READ)
        received: dict[socket.socket, bytes] = {}
        deadline = time.perf_counter() + body_timeout_s + 15
        while opened and time.perf_counter() < deadline:
            for key, _ev in sel.select(timeout=0.2):
                s = key.fileobj  # type: ignore[assignment]
                assert isinstance(s, socket.socket)
                try:
                    chunk = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    chunk = b""
                if chunk:
                    received[s] = received.get(s, b"") + chunk
                    continue
                closed_after.append(time.perf_counter() - opened.pop(s))
                status = received.pop(s, b"")[9:12].decode(errors="replace") or "none"
                status_counts[status] = status_counts.get(status, 0) + 1
                sel.unregister(s)
                s.close()
        peak = sampler.peak
        still_open = len(opened)
        for s in list(opened):
            sel.unregister(s)
            s.close()
        time.sleep(1.0)
    after = server.rss_mb()
    late = sum(1 for t in closed_after if t > body_timeout_s + slack_s) + still_open
    figures = {"connections": count, "refused_at_connect": refused, "body_timeout_s": body_timeout_s,
               "closed": len(closed_after), "still_open": still_open, "closed_late": late,
               "max_close_s": round(max(closed_after), 2) if closed_after else math.nan,
               "replies": status_counts, "rss_before_mb": round(before, 1), "rss_peak_mb": round(peak, 1),
               "rss_after_mb": round(after, 1), "rss_growth_peak_mb": round(peak - before, 1)}
    met = late == 0 and refused == 0 and peak - before <= GOAL_STALLED_GROWTH_MB
    replies = ", ".join(f"{n} x {k}" for k, n in sorted(status_counts.items()))
    return Goal(f"{count} stalled request bodies", f"each closed within the body timeout ({body_timeout_s:g} s); "
                f"RSS growth <= {GOAL_STALLED_GROWTH_MB:g} MB",
                f"{len(closed_after)} closed, slowest after {figures['max_close_s']} s, {late} late; replies "
                f"{replies}; RSS {before:.0f} -> peak {peak:.0f} MB (+{peak - before:.1f}), {after:.0f} MB after",
                met, figures)


def kill_cycles(pack: Pack, cycles: int = 3, seconds: float = 2.0, clients: int = 4) -> Goal:
    """Store and delete assessments through the API while the server is killed with SIGKILL, ``cycles``
    times; then count acknowledged writes lost and copies of acknowledged deletions left in the database
    files (searched before each restart, by a value unique to each assessment)."""
    data = tempfile.TemporaryDirectory(prefix="symcheck-bench-kill-")
    folder = Path(data.name)
    kept: dict[str, str] = {}  # id -> secret
    deleted: dict[str, str] = {}  # id -> its unique age as written in the stored JSON
    copies = 0
    counter = iter(range(1, 10**9))
    lock = threading.Lock()
    try:
        for _cycle in range(cycles):
            server = Server(pack, data_dir=folder)
            server.wait_ready()
            stop = threading.Event()

            def client(server: Server = server, stop: threading.Event = stop) -> None:
                conn = _connect(server.url)
                while not stop.is_set():
                    with lock:
                        k = next(counter)
                    age = round(20 + k * 1e-6, 6)  # the marker: a value no other assessment holds
                    try:
                        status, body, _h = _request(conn, "POST", "/v1/assessments",
                                                    json.dumps({"pack": pack.id, "age": age}).encode())
                        if status != 201:
                            continue
                        created = json.loads(body)
                        if k % 2:
                            with lock:
                                kept[created["id"]] = created["secret"]
                            continue
                        status, _b, _h = _request(conn, "DELETE", f"/v1/assessments/{created['id']}",
                                                  headers={"X-Assessment-Secret": created["secret"]})
                        if status == 204:
                            with lock:
                                # as it appears in the stored JSON; the comma keeps 20.00001 from matching 20.000011
                                deleted[created["id"]] = f'"age": {age!r},'
                    except (OSError, http.client.HTTPException, ValueError):
                        conn.close()
                        if stop.is_set():
                            return
                        time.sleep(0.05)
                        conn = _connect(server.url)
                conn.close()

            pool = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
            for t in pool:
                t.start()
            time.sleep(seconds)
            server.kill()
            stop.set()
            for t in pool:
                t.join(timeout=10)
            server.stop()  # already dead: this closes its log and removes its temporary folder
            blobs = [p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name.startswith("bench.db")]
            copies += sum(blob.count(marker.encode()) for blob in blobs for marker in deleted.values())
        server = Server(pack, data_dir=folder)
        lost = 0
        back = 0
        try:
            server.wait_ready()
            conn = _connect(server.url)
            for aid, secret in kept.items():
                if _request(conn, "GET", f"/v1/assessments/{aid}", headers={"X-Assessment-Secret": secret})[0] != 200:
                    lost += 1
            for aid in deleted:
                if _request(conn, "GET", f"/v1/assessments/{aid}", headers={"X-Assessment-Secret": "x"})[0] != 404:
                    back += 1
            conn.close()
        finally:
            server.stop()
    finally:
        data.cleanup()
    figures = {"cycles": cycles, "acknowledged_writes": len(kept) + len(deleted), "kept": len(kept),
               "lost": lost, "acknowledged_deletes": len(deleted), "deleted_copies_on_disk": copies,
               "deleted_readable_again": back}
    met = lost == 0 and copies == 0 and back == 0 and bool(kept) and bool(deleted)
    return Goal(f"kill -9 cycles of store/delete ({cycles})", "0 acknowledged writes lost, 0 copies of deleted "
                "assessments on disk", f"{len(kept) + len(deleted)} writes acknowledged, {lost} lost; "
                f"{len(deleted)} deletes acknowledged, {copies} copies on disk", met, figures)


def run_goals(pack: Pack, *, healthz_s: float = 5.0, rare_concurrent: int = 40, stalled: int = 2000,
              body_timeout_s: float = 5.0, cycles: int = 3,
              progress: Callable[[str], None] | None = None) -> list[Goal]:
    """The goals of issue 15, each against a fresh server (0 or less skips a phase)."""
    say = progress or (lambda _msg: None)
    goals: list[Goal] = []
    env = {"SYMCHECK_BODY_TIMEOUT_S": repr(body_timeout_s)}
    if healthz_s > 0:
        say("healthz under the most expensive requests")
        with Server(pack, env_extra=env) as server:
            server.wait_ready()
            goals.append(healthz_under_load(server.url, explain_body(pack), duration=healthz_s))
    if rare_concurrent > 0:
        say("maximal rare-disease rankings")
        body = maximal_rare_body()
        with Server(pack, env_extra=env) as server:
            server.wait_ready()
            goals.append(rare_memory(server, body, concurrent=rare_concurrent))
    if stalled > 0:
        say("stalled request bodies")
        with Server(pack, env_extra=env) as server:
            server.wait_ready()
            goals.append(stalled_bodies(server, count=stalled, body_timeout_s=body_timeout_s))
    if cycles > 0:
        say("kill -9 cycles")
        goals.append(kill_cycles(pack, cycles=cycles))
    return goals
