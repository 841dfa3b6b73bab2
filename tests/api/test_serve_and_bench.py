"""`symcheck serve` as a real uvicorn process, and `symcheck bench api` end to end (short runs)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from symcheck.api import create_app
from symcheck.bench import api as bench
from symcheck.cli import bench_api, serve  # noqa: F401  (registers the commands)
from symcheck.cli.apps import app as cli_app
from tests.conftest import MINI, REPO


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p)
    for key in ("SYMCHECK_PACKS", "SYMCHECK_DEFAULT_PACK", "SYMCHECK_DATABASE_URL", "SYMCHECK_API_KEY",
                "SYMCHECK_SERVE_PARENT_PID"):
        env.pop(key, None)
    return env


def _symcheck(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "symcheck.cli.main", *args], env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_serve_runs_the_api_with_workers(tmp_path: Path):
    port = bench.free_port()
    proc = _symcheck("serve", "--port", str(port), "--workers", "2", "--pack", str(MINI),
                     "--database-url", f"sqlite:///{tmp_path / 'serve.db'}", "--log-level", "warning")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        step = httpx.post(f"{base}/v1/interview", json={"age": 40, "complaint": "leg_cramp"}).json()
        assert step["assessment"]["pack"]["id"] == "mini"
        created = httpx.post(f"{base}/v1/assessments", json={"age": 40, "answers": {"cramp": "present"}})
        assert created.status_code == 201
        # Any worker can read what another stored.
        own = {"X-Assessment-Secret": created.json()["secret"]}
        for _ in range(4):
            assert httpx.get(f"{base}/v1/assessments/{created.json()['id']}", headers=own).status_code == 200
        assert (tmp_path / "serve.db").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _main_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run `symcheck ARGS` in this process; it must exit 2 with one line on stderr."""
    from symcheck.cli.main import main

    # serve exports its settings for the workers; make sure they are undone after the test.
    for key in ("SYMCHECK_PACKS", "SYMCHECK_DEFAULT_PACK", "SYMCHECK_DATABASE_URL", "SYMCHECK_SERVE_PARENT_PID",
                "SYMCHECK_BODY_TIMEOUT_S", "SYMCHECK_TRUSTED_HOSTS"):
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    monkeypatch.setattr(sys, "argv", ["symcheck", *args])
    with pytest.raises(SystemExit) as info:
        main()
    err = capsys.readouterr().err.strip()
    assert info.value.code == 2
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    return err


def test_serve_with_a_bad_pack_is_one_line(monkeypatch, capsys, tmp_path: Path):
    _main_fails(monkeypatch, capsys, "serve", "--pack", str(tmp_path / "nowhere"), "--port", str(bench.free_port()))


def test_serve_on_a_busy_port_is_one_line(monkeypatch, capsys, tmp_path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        err = _main_fails(monkeypatch, capsys, "serve", "--pack", str(MINI), "--port", str(port),
                          "--database-url", f"sqlite:///{tmp_path / 'x.db'}")
    assert "already in use" in err


def test_serve_with_a_bad_database_url_is_one_line(monkeypatch, capsys):
    err = _main_fails(monkeypatch, capsys, "serve", "--pack", str(MINI), "--port", str(bench.free_port()),
                      "--database-url", "nonsense://")
    assert "SYMCHECK_DATABASE_URL" in err


def test_serve_help():
    result = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers"):
        assert option in result.output


def test_simulated_interview_bodies_are_valid_steps(mini_pack):
    bodies = bench.interview_bodies(mini_pack, count=40)
    assert len(bodies) == 40
    assert any(len(b["answers"]) >= 2 for b in bodies)
    client = TestClient(create_app([MINI]))
    for body in bodies:
        assert client.post("/v1/interview", json=body).status_code == 200, body


@pytest.mark.slow
def test_bench_api_measures_a_short_run(tmp_path: Path):
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(cli_app, ["bench", "api", "--pack", str(MINI), "--rate", "40", "--duration", "1",
                                          "--warmup", "0.2", "--saturate", "0.5", "--threads", "4",
                                          "--no-goals", "--json", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    fixed, most = figures["phases"]
    assert fixed["requests"] == 40 and fixed["errors"] == 0
    assert 0 < fixed["p50_ms"] <= fixed["p99_ms"] <= fixed["max_ms"]
    assert fixed["achieved_rps"] > 20
    assert most["requests"] > 0 and most["errors"] == 0
    assert "p99" in result.output



def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux only")
def test_workers_exit_when_serve_is_killed(tmp_path: Path):
    """Issue 15 item 8: kill -9 the `symcheck serve --workers 2` process; its workers stop and the port
    is free again for a restart."""
    port = bench.free_port()
    proc = _symcheck("serve", "--port", str(port), "--workers", "2", "--pack", str(MINI),
                     "--database-url", f"sqlite:///{tmp_path / 'serve.db'}", "--log-level", "warning")
    base = f"http://127.0.0.1:{port}"
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
            # uvicorn's spawned workers (the multiprocessing resource tracker is not one of them)
            workers = [c for c in _children(proc.pid)
                       if b"resource_tracker" not in (Path("/proc") / str(c) / "cmdline").read_bytes()]
            with contextlib.suppress(httpx.HTTPError):
                if len(workers) == 2 and httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 20
        while any(_alive(w) for w in workers):
            assert time.monotonic() < deadline, f"workers still running after their parent died: {workers}"
            time.sleep(0.2)
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # a restart could listen here again
    finally:
        for pid in [proc.pid, *workers]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_bench_api_goals_small(tmp_path: Path):
    """The hardening goals of `symcheck bench api` in small sizes: every phase runs and reports its figures;
    the ones that do not depend on how busy this machine is must be met."""
    out = tmp_path / "goals.json"
    result = CliRunner().invoke(cli_app, ["bench", "api", "--pack", str(MINI), "--rate", "20", "--duration", "0.5",
                                          "--warmup", "0", "--saturate", "0", "--threads", "2",
                                          "--healthz-seconds", "1", "--rare-concurrent", "0", "--stalled", "60",
                                          "--body-timeout", "1", "--kill-cycles", "1", "--json", str(out)])
    assert result.exit_code == 0, result.output
    goals = {g["name"]: g for g in json.loads(out.read_text())["goals"]}
    healthz = next(g for name, g in goals.items() if name.startswith("healthz"))
    assert healthz["figures"]["healthz_requests"] > 0 and healthz["figures"]["explain_ok"] > 0
    stalled = next(g for name, g in goals.items() if "stalled" in name)
    assert stalled["figures"]["closed"] == 60 and stalled["figures"]["closed_late"] == 0
    killed = next(g for name, g in goals.items() if "kill" in name)
    assert killed["figures"]["acknowledged_deletes"] > 0 and killed["figures"]["kept"] > 0
    assert killed["figures"]["lost"] == 0 and killed["figures"]["deleted_copies_on_disk"] == 0
    assert "Hardening goals" in result.output


def test_serve_sets_connection_limit_keep_alive_and_body_timeout(monkeypatch, tmp_path: Path):
    """Issue 15 items 3 and 11: uvicorn gets a connection limit, a keep-alive longer than httpx's pool expiry
    (equal timeouts let the server close a connection just as a client reuses it: a ReadError with nothing
    in the server log), a bounded graceful shutdown; the body timeout reaches the workers."""
    import uvicorn

    from symcheck.cli.main import main

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    for key in ("SYMCHECK_PACKS", "SYMCHECK_DEFAULT_PACK", "SYMCHECK_DATABASE_URL", "SYMCHECK_SERVE_PARENT_PID",
                "SYMCHECK_BODY_TIMEOUT_S", "SYMCHECK_TRUSTED_HOSTS"):
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    monkeypatch.setattr(sys, "argv", ["symcheck", "serve", "--pack", str(MINI), "--port", str(bench.free_port()),
                                      "--database-url", f"sqlite:///{tmp_path / 's.db'}", "--body-timeout", "7",
                                      "--trusted-host", "symcheck.example"])
    with pytest.raises(SystemExit) as info:
        main()
    assert not info.value.code
    assert seen["limit_concurrency"] == 256
    assert seen["timeout_keep_alive"] > httpx.Limits().keepalive_expiry
    assert seen["timeout_graceful_shutdown"] <= 30
    assert float(os.environ["SYMCHECK_BODY_TIMEOUT_S"]) == 7
    assert os.environ["SYMCHECK_TRUSTED_HOSTS"] == "symcheck.example"
    assert os.environ["SYMCHECK_SERVE_PARENT_PID"] == str(os.getpid())
