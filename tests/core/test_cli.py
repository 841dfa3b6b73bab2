"""The CLI through its real entry point: interview, assess, validate, stats, errors without tracebacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import MINI


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symcheck.cli.main", *args],
        input=stdin, capture_output=True, text=True, timeout=120,
        env={"COLUMNS": "120", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
             # never the user's data folder (tests/conftest.py points it into a temporary folder)
             "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"], "HOME": os.environ["SYMCHECK_TEST_HOME"],
             "SYMCHECK_EMERGENCY_NUMBER": "112"},
    )


def test_check_interview_to_a_result():
    # age, sex, complaint, then: jaw stiff? no; fever? no; places: calf; ... until it stops
    proc = run("check", "--pack", str(MINI), stdin="70\n1\ncharley\n2\n2\n1\n2\n2\n2\n2\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Is your jaw stiff?" in out and "(a safety check)" in out
    assert "Night cramps" in out and "not a diagnosis" in out
    assert "Get help if things change" in out


def test_check_emergency_interrupts_at_once():
    proc = run("check", "--pack", str(MINI), "--age", "40", "--sex", "male", "--complaint", "leg_cramp", stdin="1\n1\n")
    assert proc.returncode == 0, proc.stderr
    assert "STOP: urgent" in proc.stdout and "Call emergency services now" in proc.stdout


def test_check_back_changes_the_last_answer():
    proc = run("check", "--pack", str(MINI), "--age", "40", "--sex", "male", "--complaint", "leg_cramp",
               stdin="1\nb\n2\n2\n2\n2\n2\n2\n2\n")
    assert proc.returncode == 0, proc.stderr
    assert "Going back." in proc.stdout and "STOP: urgent" not in proc.stdout


def test_check_input_ending_early_is_not_a_traceback():
    proc = run("check", "--pack", str(MINI), stdin="40\n")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout


def test_assess_json(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"age": 35, "sex": "male", "answers": {"jaw_stiff": "present", "wound": "present"}}))
    proc = run("assess", str(case), "--pack", str(MINI), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["triage"]["level"] == "emergency_ambulance"
    assert result["differential"][0]["condition_id"] == "tetanus"
    assert result["pack"] == {"id": "mini", "version": "0.0.1"}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ({"age": 35, "sex": "male", "answers": {"nonsense": "present"}}, "answers.nonsense: unknown evidence id 'nonsense'"),
        ({"age": 35, "sex": "male", "answers": {"site": "knee"}}, "answers.site: 'knee' is not one of leg, abdomen, jaw"),
        ({"age": 300, "sex": "male"}, "age: 300 is out of range"),
        ({"age": 30, "sex": "male", "colour": "red"}, "colour: unknown field"),
    ],
)
def test_assess_bad_input_is_one_line(tmp_path, case, message):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    proc = run("assess", str(path), "--pack", str(MINI))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {message}"] or message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_assess_unreadable_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    for path in (bad, tmp_path / "missing.json"):
        proc = run("assess", str(path), "--pack", str(MINI))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.startswith("error:")


def test_validate_lists_every_problem(tmp_path):
    import shutil

    pack = tmp_path / "p"
    shutil.copytree(MINI, pack)
    cond = pack / "conditions" / "tetanus.yaml"
    data = yaml.safe_load(cond.read_text())
    data["likelihoods"]["jaw_stiff"]["p"] = 1.3
    data["likelihoods"]["wound"]["source"] = "nowhere"
    cond.write_text(yaml.safe_dump(data))
    proc = run("kb", "validate", str(pack))
    assert proc.returncode == 1
    # the report is on stdout, so `| less` shows it
    assert "conditions/tetanus.yaml: likelihoods.jaw_stiff: 1.3 is not a probability" in proc.stdout
    assert "conditions/tetanus.yaml: likelihoods.wound.source: unknown source 'nowhere'" in proc.stdout
    assert "2 problem(s)" in proc.stdout and proc.stderr == ""
    ok = run("kb", "validate", str(MINI))
    assert ok.returncode == 0 and ok.stdout.startswith("ok: mini")


def test_broken_pack_is_one_line_for_other_commands(tmp_path):
    import shutil

    pack = tmp_path / "p"
    shutil.copytree(MINI, pack)
    (pack / "evidence.yaml").write_text("- id: [unclosed\n")
    proc = run("kb", "stats", str(pack))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "evidence.yaml: line" in proc.stderr


def test_stats_json():
    proc = run("kb", "stats", str(MINI), "--json")
    figures = json.loads(proc.stdout)
    assert figures["conditions"] == 3 and figures["rules"] == 3 and figures["links_sourced_share"] == 1.0


def test_unknown_pack():
    proc = run("kb", "stats", "no_such_pack")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: unknown pack: 'no_such_pack'; packs: ")
    assert "spasm" in proc.stderr  # the valid ones are named


def test_bench_scenarios_on_the_mini_pack():
    proc = run("bench", "scenarios", "--pack", str(MINI))
    assert proc.returncode == 0, proc.stderr
    assert "top-3 hit rate" in proc.stdout and "100.0% of 2" in proc.stdout


def test_bench_engine_quick(tmp_path):
    out = tmp_path / "engine.json"
    proc = run("bench", "engine", "--quick", "--patients", "2", "--steps", "3", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(out.read_text())
    assert [s["conditions"] for s in figures["steps"]] == [50, 1000]
    assert all(s["median_ms"] > 0 for s in figures["steps"])


def test_serve_creates_no_database_and_logs_no_addresses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Serving pages and interviews stores nothing, so `serve` must not create the database at start-up; and
    the checker's page addresses hold answers, so no access log unless asked for."""
    import socket

    import uvicorn
    from typer.testing import CliRunner

    from symcheck.cli import serve  # noqa: F401  (registers the command)
    from symcheck.cli.apps import app

    for key in ("SYMCHECK_PACKS", "SYMCHECK_DEFAULT_PACK", "SYMCHECK_DATABASE_URL", "SYMCHECK_PARENT_PID"):
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = tmp_path / "store.db"
    result = CliRunner().invoke(app, ["serve", "--pack", str(MINI), "--port", str(port), "--database-url", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert not db.exists()
    assert calls and calls[0]["access_log"] is False
    bad = CliRunner().invoke(app, ["serve", "--pack", str(MINI), "--port", str(port), "--database-url", "nonsense:/x"])
    assert bad.exit_code != 0


def run80(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """As a person in an 80-column terminal sees it."""
    return subprocess.run(
        [sys.executable, "-m", "symcheck.cli.main", *args], input=stdin, capture_output=True, text=True, timeout=120,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
             "XDG_DATA_HOME": os.environ["XDG_DATA_HOME"], "HOME": os.environ["SYMCHECK_TEST_HOME"],
             "SYMCHECK_EMERGENCY_NUMBER": "112"},
    )


def test_result_is_compact_at_80_columns_with_only_the_users_answers(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"age": 67, "sex": "female", "complaint": "muscle_cramp",
                                "answers": {"time_of_day": "night_or_rest", "fever": "absent",
                                            "cramp_location": ["calf"]}}))
    proc = run80("assess", str(case))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    start = lines.index("Possible causes (not a diagnosis)")
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("╭"))
    causes = [line for line in lines[start + 1:end] if re.match(r"\s*\d+%", line)]
    assert 1 <= len(causes) <= 5
    assert (end - start - 1) <= 4 * len(causes) + 1  # a few lines per cause, not 10 to 17
    block = "\n".join(lines[start:end])
    assert " 0%" not in block
    # lay name first, medical name second
    assert "Night-time leg cramps (Idiopathic nocturnal leg cramps)" in block
    # only the answers the person gave: the complaint's own "what is happening" answer never explains a cause
    assert "Which of these best describes" not in block and "charley horse" not in block
    assert "Calf" in block
    assert "(999 in the UK" not in proc.stdout and "(112)" in proc.stdout  # one emergency number


def test_help_shows_what_to_type_not_types():
    for args in (("assess", "--help"), ("check", "--help"), ("serve", "--help"), ("kb", "validate", "--help")):
        proc = run80(*args)
        assert proc.returncode == 0
        for typed in ("<bool>", "<str>", "<int", "<float>", "<list[", "<path>"):
            assert typed not in proc.stdout, (args, typed)
    assert "--pack        PACK" in run80("assess", "--help").stdout


def test_validate_reports_the_yaml_error_not_its_echoes(tmp_path):
    import shutil

    pack = tmp_path / "p"
    shutil.copytree(MINI, pack)
    text = (pack / "evidence.yaml").read_text().splitlines()
    text[2] = '  question: {lay: "broken: ['
    (pack / "evidence.yaml").write_text("\n".join(text) + "\n")
    proc = run("kb", "validate", str(pack))
    assert proc.returncode == 1
    assert "evidence.yaml: line" in proc.stdout and "not valid YAML" in proc.stdout
    assert "unknown evidence" not in proc.stdout
    assert re.search(r"and \d+ reference\(s\) to entries of the unreadable file", proc.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--age", "300"), "error: --age: 300 is out of range"),
        (("--sex", "x"), "error: --sex: 'x' is not one of female, male, unspecified"),
        (("--complaint", "nope"), "error: --complaint: unknown complaint 'nope'; one of: leg_cramp"),
    ],
)
def test_bad_check_options_fail_before_the_banner(args, message):
    proc = run("check", "--pack", str(MINI), *args)
    assert proc.returncode == 2
    assert proc.stdout == ""  # no banner first
    assert proc.stderr.startswith(message)


def test_complaints_are_listed_and_sex_may_be_left_out():
    proc = run("complaints", "--pack", str(MINI), "--json")
    assert proc.returncode == 0
    assert [c["id"] for c in json.loads(proc.stdout)][:1] == ["leg_cramp"]
    table = run80("complaints", "--pack", str(MINI))
    assert "leg_cramp" in table.stdout
    # "prefer not to say", as the web form offers it: by option and as answer 3
    proc = run("check", "--pack", str(MINI), "--age", "40", "--sex", "unspecified", "--complaint", "leg_cramp",
               stdin="2\n2\n2\n2\n2\n2\n2\n2\n")
    assert proc.returncode == 0, proc.stderr
    proc = run("check", "--pack", str(MINI), "--age", "40", "--complaint", "leg_cramp", stdin="3\n2\n2\n2\n2\n2\n2\n2\n2\n")
    assert proc.returncode == 0, proc.stderr
    assert "3 prefer not to say" in proc.stdout


def test_bench_engine_says_which_figure_the_goal_is_for(tmp_path):
    out = tmp_path / "engine.json"
    proc = run("bench", "engine", "--quick", "--patients", "2", "--steps", "3", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "goal: p99 ms" in proc.stdout.replace("\n", " ") or "p99 ms" in proc.stdout
    assert "Goals are for the p99 of one step." in proc.stdout
    figures = json.loads(out.read_text())
    assert figures["goals_p99_ms"] == {"50": 1.0, "1000": 5.0, "10000": 50.0}
    missed = [s for s in figures["steps"] if s["p99_ms"] > figures["goals_p99_ms"][str(s["conditions"])]]
    assert len(figures["goals_missed"]) == len(missed)
    assert ("MISSED" in proc.stdout) == bool(missed)


def test_a_list_question_takes_no_for_none_of_these():
    args = ("check", "--age", "70", "--sex", "male", "--complaint", "muscle_cramp")
    rest = "?\n" * 30
    by_number = run(*args, stdin="0\n" + rest)
    by_word = run(*args, stdin="no\n" + rest)
    assert "Has any of these" in by_word.stdout or "any of these" in by_word.stdout.lower()
    assert by_word.returncode == by_number.returncode == 0
    assert "did not understand" not in by_word.stdout.split("Question 2")[0]
    assert by_word.stdout == by_number.stdout
