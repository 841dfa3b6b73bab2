"""The pack-page renderer (symcheck.kb.page) and `symcheck kb page`."""

from __future__ import annotations

from typer.testing import CliRunner

import symcheck.cli.kb_page  # noqa: F401  (registers the command)
from symcheck.cli.apps import app
from symcheck.errors import InputError, NotFound
from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack
from tests.web.conftest import WEB_PACK


def resolve(cid: str) -> tuple[str, str] | None:
    return (f"/conditions/{cid}", cid.replace("_", " ").title()) if cid != "missing" else None


def test_markdown_subset() -> None:
    html = str(page_mod.render_markdown(
        "# Head\n\nA **bold** and *em* `code` [link](https://example.org/a_(b)) [[night_cramps]]"
        " [[night_cramps|at night]] [[missing]].\n\n- one\n- two\n  continued\n\n1. first\n2. second"
    ))
    assert "<h3>Head</h3>" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert '<a href="https://example.org/a_(b)">link</a>' in html
    assert "<ul><li>one</li><li>two continued</li></ul>" in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    linked = str(page_mod.render_markdown("[[night_cramps]] [[night_cramps|at night]] [[missing]]", resolve))
    assert '<a href="/conditions/night_cramps">Night Cramps</a>' in linked
    assert '<a href="/conditions/night_cramps">at night</a>' in linked
    assert "missing" in linked and 'href="/conditions/missing"' not in linked


def test_markdown_escapes_everything_else() -> None:
    html = str(page_mod.render_markdown(
        '<script>x()</script> <img src=x onerror=y> [a](javascript:alert(1)) [b](data:text/html,x) '
        '[c](//evil.example) "quotes" & **<b>**'
    ))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "javascript:" not in html and "data:" not in html and "//evil" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html and "&quot;quotes&quot;" in html
    assert "<strong>&lt;b&gt;</strong>" in html


def test_plain_text_and_links() -> None:
    assert page_mod.condition_links("[[a]] x [[b|B]] [[a]]") == ["a", "b"]
    assert page_mod.markdown_to_plain("**Bold** [x](https://e.org) and [[night_cramps]].", resolve) == (
        "Bold x and Night Cramps.")


def test_warning_levels_most_urgent_first(pack: Pack) -> None:
    levels = page_mod.warning_levels(pack)
    assert [w.level for w in levels] == ["emergency_ambulance", "consultation_24"]
    assert levels[0].rules[0].id == "lockjaw"
    assert [r.id for r in page_mod.out_of_scope_rules(pack)] == ["belly"]
    assert [r.id for r in page_mod.rules_for_condition(pack, pack.conditions["tetanus"])] == ["lockjaw"]


def test_features_mark_estimates_and_use_lay_words(pack: Pack) -> None:
    feats = page_mod.typical_features(pack, pack.conditions["evil"])
    assert [(f.question, f.answer, f.probability, f.estimate) for f in feats] == [
        ("Do you have a fever?", "Yes", 0.5, True)]
    night = page_mod.typical_features(pack, pack.conditions["night_cramps"])
    assert ("Where?", "Leg") in [(f.question, f.answer) for f in night]
    # a likelihood below the evidence's background rate is not a typical feature
    assert "fever" not in [f.evidence_id for f in night]


def test_review_falls_back_to_the_pack(pack: Pack) -> None:
    own = page_mod.condition_review(pack, pack.conditions["night_cramps"])
    assert own.reviewer == "tester"
    fallback = page_mod.condition_review(pack, pack.conditions["tetanus"])
    assert fallback.reviewer == "test content team (awaiting independent clinician review)"
    assert page_mod.format_date(fallback.next_review) == "21 November 2027"


def test_categories_and_titles(pack: Pack) -> None:
    cats = page_mod.categories(pack)
    assert set(cats) == {"benign", "infection", "i-odd-i-category"}
    assert page_mod.category_title("musculoskeletal") == "Bones, joints and muscles"
    assert page_mod.category_title("new_kind") == "New kind"


def test_cli_prints_the_symptom_page() -> None:
    result = CliRunner().invoke(app, ["kb", "page", str(WEB_PACK)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("# Cramps and <spasms>")
    assert "See Night cramps and [the source](https://example.org/1)." in out
    assert "### Call emergency services now" in out and "While you wait: Keep the person calm" in out
    assert "Reviewed by test content team (awaiting independent clinician review) on 21 November 2026" in out


def test_cli_condition_page_as_safe_html() -> None:
    result = CliRunner().invoke(app, ["kb", "page", str(WEB_PACK), "--condition", "evil", "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "<h1>Evil &lt;script&gt;" in result.output
    assert "<script>" not in result.output


def test_cli_errors_are_clear() -> None:
    unknown = CliRunner().invoke(app, ["kb", "page", str(WEB_PACK), "--condition", "nope"])
    assert isinstance(unknown.exception, NotFound)
    bad = CliRunner().invoke(app, ["kb", "page", str(WEB_PACK), "--format", "pdf"])
    assert isinstance(bad.exception, InputError) and bad.exception.field == "--format"
