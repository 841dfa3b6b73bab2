"""The web checker's free-text start in a real browser (Debian's chromium), with and without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

from tests.web.browser import launched_chromium, require_browser  # noqa: E402

playwright_api = require_browser()

from tests.web.test_browser import PHONE, _serve  # noqa: E402  (after the skip above)

STORY = "My dad, 86, has had cramps in both calves at night for 3 weeks. No fever, not sure if his leg is swollen."


@pytest.fixture(scope="module")
def spasm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(["spasm"], tmp_path_factory.mktemp("freetext"))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launched_chromium(playwright_api)


@pytest.mark.parametrize("script", [False, True])
def test_describe_confirm_then_questions(chromium: Any, spasm_url: str, script: bool) -> None:
    context = chromium.new_context(viewport=PHONE, java_script_enabled=script)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(spasm_url + "/check")
    page.get_by_label("Describe it in your own words").fill(STORY)
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", level=1).inner_text() == "We understood"
    assert page.get_by_label("Age in years").input_value() == "86"
    assert page.locator("text=You were not sure, so we will ask this.").count() == 1
    # the person removes one finding; the rest carry on into the interview
    page.locator('input[name="f.laterality"][value="remove"]').check()
    page.get_by_role("button", name="Continue").click()
    assert "/check/step" in page.url
    assert "laterality" not in page.url and "fever%3Dabsent" in page.url
    assert page.locator("form").count() >= 1
    context.close()
    assert not errors, errors
