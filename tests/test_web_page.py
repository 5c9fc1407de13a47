"""The web page in real headless Chromium (Debian's build) against the real service."""

from __future__ import annotations

import shutil
import tempfile

import pytest
from chromium import ARGS, CHROMIUM

pytestmark = pytest.mark.browser

DRAFT = (
    "Hi Sam, I noticed your team doubled its support staff this quarter. "
    "I know how you feel about vendor calls. Would a 10-minute call next Tuesday help?"
)


@pytest.fixture
def database_url(tmp_path):
    """The page does not depend on the database: SQLite only (the API tests cover both)."""
    return f"sqlite:///{tmp_path / 'auditor.sqlite3'}"


@pytest.fixture
def browser_page():
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian chromium is not installed (scripts/setup-test.sh installs it)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="ta-chromium-")
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=False, args=ARGS
        )
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.page_errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            ctx.close()
            shutil.rmtree(profile, ignore_errors=True)


def test_audit_page_shows_scores_equation_findings_and_applies_a_fix(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    page.select_option("#kind", "email")
    page.fill("#subject", "Support staffing")
    page.fill("#draft", DRAFT)
    page.click("#audit")
    page.wait_for_selector("#results:not([hidden])")

    for key in ("trust", "self_orientation", "value_add", "lemming", "clickbait"):
        value = page.get_attribute(f"#score-{key}", "data-score")
        assert value is not None and 0 <= float(value) <= 100
    for part in ("credibility", "reliability", "intimacy", "self_orientation", "T"):
        assert page.inner_text(f"#te-{part} .value").strip()
    assert page.inner_text("#verdict") in ("SEND", "REVIEW", "REWRITE")

    mark = page.locator('#highlighted mark[data-rule="IN101"]')
    assert mark.inner_text() == "I know how you feel"
    assert "IN101" in (mark.get_attribute("title") or "")
    item = page.locator('#findings li[data-rule="IN101"]')
    assert item.locator(".reason").inner_text().strip()

    item.locator("button.apply").click()
    page.wait_for_function(
        "() => !document.querySelector('#findings li[data-rule=\"IN101\"]')"
        " && document.querySelector('#status').textContent.startsWith('Audited')"
    )
    text = page.input_value("#draft")
    assert "I know how you feel" not in text
    assert text.startswith("Hi Sam, I noticed")
    assert page.page_errors == []


def test_page_offsets_line_up_with_emoji_in_the_browser(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    page.fill("#draft", "🚀👩‍👩‍👧 Cafe\u0301 team! I know how you feel 😀 about this.")
    page.click("#audit")
    mark = page.locator('#highlighted mark[data-rule="IN101"]')
    mark.wait_for()
    assert mark.inner_text() == "I know how you feel"
    page.locator('#findings li[data-rule="IN101"] button.apply').click()
    page.wait_for_function("() => !document.querySelector('#findings li[data-rule=\"IN101\"]')")
    text = page.input_value("#draft")
    assert text.startswith("🚀👩‍👩‍👧 Cafe\u0301 team! ") and text.endswith(" 😀 about this.")


def test_page_shows_the_services_error_message(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    page.evaluate("document.querySelector('#draft').removeAttribute('required')")
    page.fill("#draft", "   ")
    page.click("#audit")
    page.wait_for_selector("#status.error")
    assert "empty_text" in page.inner_text("#status")


def test_history_page_charts_scores_over_time_and_deletes_them(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    for kind, text in [
        ("email", DRAFT),
        ("headline", "Top 12 reasons why you need this"),
        ("email", "Thanks, Sam. Here is the staffing report I promised."),
    ]:
        page.select_option("#kind", kind)
        page.fill("#draft", text)
        page.click("#audit")
        page.wait_for_function(
            "() => document.querySelector('#status').textContent.startsWith('Audited')"
        )
        page.evaluate("document.querySelector('#status').textContent = ''")

    page.click("text=History")
    page.wait_for_selector("#history-table tbody tr")
    assert page.locator("#history-table tbody tr").count() == 3
    assert page.locator("#chart .uplot canvas").count() == 1
    legend = page.inner_text("#chart .u-legend")
    assert "Trust" in legend and "Clickbait" in legend

    page.select_option("#kind-filter", "headline")
    page.wait_for_function(
        "() => document.querySelectorAll('#history-table tbody tr').length === 1"
    )

    page.on("dialog", lambda d: d.accept())
    page.click("#delete-history")
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.startsWith('Deleted 3')"
    )
    assert page.locator("#history-table tbody tr").count() == 0
    assert page.page_errors == []


def test_page_sends_its_token_when_one_is_set(make_app, browser_page):
    from conftest import LiveServer

    app = make_app(REQUIRE_TOKEN=True)
    token, _ = app.extensions["auditor"].store.create_token("browser")
    server = LiveServer(app)
    try:
        page = browser_page
        page.goto(server.url + "/")
        page.fill("#draft", DRAFT)
        page.click("#audit")
        page.wait_for_selector("#status.error")
        assert "token_required" in page.inner_text("#status")
        page.click("details.token summary")
        page.fill("#token", token)
        page.dispatch_event("#token", "change")
        page.click("#audit")
        page.wait_for_selector("#results:not([hidden])")
    finally:
        server.stop()
