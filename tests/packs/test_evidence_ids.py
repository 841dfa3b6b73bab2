"""Each pack's EVIDENCE_IDS.md is generated from its YAML: it must list every id the pack has, as the YAML says."""

from pathlib import Path

import pytest

from symcheck.kb import evidence_ids

PACKS = Path(__file__).resolve().parents[2] / "src" / "symcheck" / "packs"


@pytest.mark.parametrize("name", ["spasm", "abdominal"])
def test_evidence_ids_page_matches_the_yaml(name: str) -> None:
    pack_dir = PACKS / name
    page = (pack_dir / evidence_ids.FILE_NAME).read_text(encoding="utf-8")
    assert page == evidence_ids.render(pack_dir), (
        f"{name}/EVIDENCE_IDS.md is stale: run python -m symcheck.kb.evidence_ids src/symcheck/packs/{name}"
    )
    assert "`presentation`" in page or "`pain_site`" in page


def test_evidence_ids_cli_rejects_a_folder_without_evidence(tmp_path: Path) -> None:
    assert evidence_ids.main([str(tmp_path)]) == 2
    assert not (tmp_path / evidence_ids.FILE_NAME).exists()


def test_evidence_ids_cli_writes_the_page(tmp_path: Path) -> None:
    (tmp_path / "evidence.yaml").write_text(
        "- id: fever\n  type: yes_no\n  kind: symptom\n  question: {lay: Hot, clinical: Fever}\n  background: 0.1\n"
        "- id: pain_days\n  type: number\n  bins: [2, 7]\n  unit: days\n  question: {lay: How long, clinical: Duration}\n",
        encoding="utf-8",
    )
    assert evidence_ids.main([str(tmp_path)]) == 0
    page = (tmp_path / evidence_ids.FILE_NAME).read_text(encoding="utf-8")
    assert "- `fever` (yes_no, symptom) — Fever [background 0.1]" in page
    assert "- `pain_days` (number, symptom) — Duration [bins: b0 <2, b1 2-7, b2 >=7 (days)]" in page
