"""The browser extension end to end: real service, real Chromium, real editors.

Starts `auditor serve` (gunicorn) on a free port, serves `fixtures/pages/` over HTTP on
127.0.0.1, loads the unpacked extension into Debian's Chromium, and on every fixture page
types a draft, checks that the panel shows the service's findings, applies an edit and
checks the editor's own model. The Firefox tier runs `extension/test/firefox/` (puppeteer-core
over WebDriver BiDi) against the same service and pages.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from chromium import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "extension"
PAGES = ROOT / "fixtures" / "pages"
FIREFOX = shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
EXTENSION_ID = (EXT / "extension-id.txt").read_text().strip()
# Firefox ids are per install; the test pins one with a pref so the service can allow it.
FIREFOX_UUID = "6f1c2b1e-4a51-4d1f-9f63-7d1b7c0a5e11"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
    pytest.mark.skipif(not (EXT / "node_modules").is_dir(), reason="needs `npm ci` in extension/"),
]

SUBJECT = "Quick question"
DRAFT = (
    "Hi Sarah. I know how you feel about vendors. How about if you take a look at the "
    "specs and challenge me to defend it."
)
GOOD_DRAFT = (
    "Hi Sarah, I read your post about moving billing to monthly plans. "
    "When we made the same switch, churn in the first quarter went from 4% to 2.5%. "
    "Here is the spreadsheet we used; it may help your team either way."
)

# page -> (kind the extension should send, has a subject field, has a Send button)
PAGES_UNDER_TEST = {
    "textarea": ("email", False, False),
    "contenteditable": ("email", False, False),
    "gmail": ("email", True, True),
    "outlook": ("email", True, True),
    "linkedin": ("social", False, False),
    "wordpress-block": ("blog", True, False),
    "wordpress-classic": ("blog", False, False),
    "prosemirror": ("email", False, False),
    "tiptap": ("email", False, False),
    "lexical": ("email", False, False),
    "draftjs": ("email", False, False),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, payload: dict) -> dict:
    req = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def built() -> Path:
    subprocess.run(["node", "build.mjs"], cwd=EXT, check=True, capture_output=True)
    return EXT / "dist"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    """The real service on a free loopback port."""
    port = _free_port()
    instance = tmp_path_factory.mktemp("instance")
    env = {
        **os.environ,
        "AUDITOR_ALLOWED_ORIGINS": (
            f"chrome-extension://{EXTENSION_ID},moz-extension://{FIREFOX_UUID}"
        ),
        "AUDITOR_RATELIMIT_ENABLED": "false",
        "AUDITOR_INSTANCE_PATH": str(instance),
    }
    # The app `auditor serve` runs (create_app), under gunicorn as in production.
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--preload", "--log-level", "warning", "auditor.web:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(
                    f"service did not start: {proc.stderr.read().decode()[-2000:]}"
                ) from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def pages():
    """The fixture pages over real HTTP on 127.0.0.1 (not file://)."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=PAGES))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(built: Path, service: str, tmp_path_factory: pytest.TempPathFactory):
    sync_api = pytest.importorskip("playwright.sync_api")
    ext = built / "chromium"
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),
            headless=False,
            executable_path=CHROMIUM,
            viewport={"width": 1280, "height": 800},
            args=[*ARGS, f"--disable-extensions-except={ext}", f"--load-extension={ext}"],
        )
        worker = (
            ctx.service_workers[0] if ctx.service_workers else ctx.wait_for_event("serviceworker")
        )
        assert worker.url.startswith(f"chrome-extension://{EXTENSION_ID}/")
        ctx.worker = worker
        set_settings(ctx, serviceUrl=service, debounceMs=300)
        yield ctx
        ctx.close()


def set_settings(ctx, **values: object) -> None:
    ctx.worker.evaluate("(v) => chrome.storage.local.set(v)", values)


def editor_frame(page):
    """The frame whose document holds the editor (and so the extension's panel)."""
    sel = page.evaluate("window.fixture.frame || null")
    return page.query_selector(sel).content_frame() if sel else page.main_frame


def open_fixture(browser, pages: str, name: str):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{pages}/{name}.html")
    page.wait_for_function("window.fixture && window.fixture.field")
    page.errors = errors
    return page


def type_draft(page, text: str = DRAFT, subject: str | None = SUBJECT) -> None:
    where = editor_frame(page)
    subj = page.evaluate("window.fixture.subject || null")
    if subj and subject:
        page.click(subj)
        page.keyboard.type(subject)
    where.locator(page.evaluate("window.fixture.field")).first.click()
    page.keyboard.type(text)


def wait_report(frame, timeout: float = 8000) -> None:
    frame.wait_for_selector(
        "trust-auditor-ui >> .panel[data-status=ok] li.finding", timeout=timeout
    )


def panel_rules(frame) -> list[str]:
    return frame.eval_on_selector_all(
        "trust-auditor-ui >> .panel ul.findings > li.finding",
        "els => els.map(e => e.dataset.rule)",
    )


def model_text(page) -> str:
    return page.evaluate("window.fixture.modelText()")


@pytest.mark.parametrize("name", list(PAGES_UNDER_TEST))
def test_typing_shows_service_findings_and_one_click_edit_updates_editor_model(
    browser, pages: str, service: str, name: str
) -> None:
    kind, has_subject, _ = PAGES_UNDER_TEST[name]
    page = open_fixture(browser, pages, name)
    try:
        type_draft(page)
        frame = editor_frame(page)
        wait_report(frame)
        frame.wait_for_timeout(50)

        # The panel lists exactly what the service says about this text, worst first.
        subject = SUBJECT if has_subject else None
        text = model_text(page)
        report = _post(
            f"{service}/api/v1/audit",
            {"text": text, "kind": kind, "subject": subject, "offset_encoding": "utf-16"},
        )
        expected = [f for f in report["findings"] if f["polarity"] == "withdrawal"]
        # (A pause while typing may have audited part of the draft first: wait for the last.)
        badge = frame.locator("trust-auditor-ui >> .badge")
        score = str(round(report["scores"]["trust"]))
        want = sorted(f["rule"] for f in expected)
        deadline = time.monotonic() + 8
        while (sorted(panel_rules(frame)), badge.inner_text()) != (want, score):
            if time.monotonic() > deadline:
                break
            frame.wait_for_timeout(100)
        assert sorted(panel_rules(frame)) == want
        assert badge.inner_text() == score
        assert report["verdict"] in badge.get_attribute("class")

        # Underlines are CSS highlights over the editor's own text, for the body's spans.
        if name != "textarea":
            n = frame.evaluate("() => [...CSS.highlights.values()].reduce((n, h) => n + h.size, 0)")
            assert n == sum(1 for f in expected if f["start"] is not None and f["field"] == "body")

        # One click applies the service's edit; the editor's model holds the new text.
        fix = next(f for f in expected if f["suggestion"] and f["suggestion"]["safe"])
        replacement = fix["suggestion"]["edits"][0]["replacement"]
        frame.locator(f"trust-auditor-ui >> button.apply[data-rule={fix['rule']}]").click()
        page.wait_for_function(
            "([r, old]) => { const t = window.fixture.modelText(); "
            "return t.includes(r) && !t.includes(old); }",
            arg=[replacement, fix["text"]],
            timeout=5000,
        )
        # ... and the draft is re-audited: the fixed finding is gone from the panel.
        frame.wait_for_selector(
            f"trust-auditor-ui >> li.finding[data-rule={fix['rule']}]",
            state="detached",
            timeout=8000,
        )
        assert page.errors == []

        # The editor's own undo brings the original words back.
        page.keyboard.press("Control+z")
        page.wait_for_function(
            "(old) => window.fixture.modelText().includes(old)", arg=fix["text"], timeout=3000
        )
    finally:
        page.close()


@pytest.mark.parametrize("name", ["gmail", "outlook"])
def test_send_on_rewrite_draft_is_held_and_nothing_is_lost(browser, pages: str, name: str) -> None:
    page = open_fixture(browser, pages, name)
    try:
        type_draft(page)
        wait_report(page)
        assert page.get_attribute("trust-auditor-ui >> .panel", "data-verdict") == "rewrite"
        before = model_text(page)
        send = page.evaluate("window.fixture.sendButton")

        page.click(send)
        page.wait_for_selector("trust-auditor-ui >> .hold", timeout=3000)
        assert page.evaluate("window.fixture.sent.length") == 0

        page.click("trust-auditor-ui >> .hold button.edit")
        page.wait_for_selector("trust-auditor-ui >> .hold", state="detached")
        assert page.evaluate("window.fixture.sent.length") == 0
        assert model_text(page) == before

        page.click(send)
        page.click("trust-auditor-ui >> .hold button.send-anyway")
        page.wait_for_function("window.fixture.sent.length === 1", timeout=3000)
        sent = page.evaluate("window.fixture.sent[0]")
        assert sent == {"subject": SUBJECT, "body": before}
    finally:
        page.close()


def test_send_clicked_before_the_audit_returns_waits_for_the_verdict(browser, pages: str) -> None:
    page = open_fixture(browser, pages, "gmail")
    try:
        type_draft(page)
        page.click(page.evaluate("window.fixture.sendButton"))  # within the debounce
        page.wait_for_selector("trust-auditor-ui >> .hold", timeout=8000)
        assert page.evaluate("window.fixture.sent.length") == 0
    finally:
        page.close()


def test_send_goes_through_when_the_verdict_does_not_warrant_a_hold(
    browser, pages: str, service: str
) -> None:
    report = _post(
        f"{service}/api/v1/audit", {"text": GOOD_DRAFT, "kind": "email", "subject": "Billing"}
    )
    page = open_fixture(browser, pages, "outlook")
    try:
        type_draft(page, GOOD_DRAFT, "Billing")
        page.wait_for_selector("trust-auditor-ui >> .panel[data-status=ok]", timeout=8000)
        page.click(page.evaluate("window.fixture.sendButton"))
        if report["verdict"] == "rewrite":
            page.wait_for_selector("trust-auditor-ui >> .hold", timeout=3000)
            assert page.evaluate("window.fixture.sent.length") == 0
        else:
            page.wait_for_function("window.fixture.sent.length === 1", timeout=3000)
            assert page.locator("trust-auditor-ui >> .hold").count() == 0
    finally:
        page.close()


def test_unreachable_service_shows_how_to_start_it_and_never_blocks_send(
    browser, pages: str, service: str
) -> None:
    set_settings(browser, serviceUrl=f"http://127.0.0.1:{_free_port()}")
    page = open_fixture(browser, pages, "gmail")
    try:
        type_draft(page)
        box = page.wait_for_selector("trust-auditor-ui >> .error-box", timeout=8000)
        assert "not reachable" in box.inner_text()
        assert "auditor serve" in box.inner_text()
        assert page.inner_text("trust-auditor-ui >> .badge") == "!"
        page.click(page.evaluate("window.fixture.sendButton"))
        page.wait_for_function("window.fixture.sent.length === 1", timeout=3000)
    finally:
        set_settings(browser, serviceUrl=service)
        page.close()


def test_ignore_this_rule_here_hides_it_and_is_kept_as_a_setting(browser, pages: str) -> None:
    page = open_fixture(browser, pages, "contenteditable")
    try:
        type_draft(page)
        wait_report(page)
        rule = panel_rules(page)[0]
        page.click(f"trust-auditor-ui >> button.ignore[data-rule={rule}]")
        page.wait_for_selector(
            f"trust-auditor-ui >> li.finding[data-rule={rule}]", state="detached"
        )
        stored = browser.worker.evaluate("chrome.storage.local.get('ignored')")
        assert stored["ignored"] == {"127.0.0.1": [rule]}
        assert "hidden" in page.inner_text("trust-auditor-ui >> .ignored")
    finally:
        set_settings(browser, ignored={})
        page.close()


def test_panel_is_immune_to_page_css_and_page_never_calls_the_service(
    browser, pages: str, service: str
) -> None:
    page = open_fixture(browser, pages, "contenteditable")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        type_draft(page)
        wait_report(page)
        size = page.eval_on_selector(
            "trust-auditor-ui >> button.ignore", "b => getComputedStyle(b).fontSize"
        )
        assert size == "13px"  # the page styles every <button> at 40px
        color = page.eval_on_selector(
            "trust-auditor-ui >> li.finding", "li => getComputedStyle(li).color"
        )
        assert color != "rgb(255, 0, 0)"  # ... and every <li> red, !important
        assert not [u for u in requests if u.startswith(service)]
    finally:
        page.close()


def test_firefox_tier_textarea_contenteditable_and_gmail(
    built: Path, service: str, pages: str
) -> None:
    if not Path(FIREFOX).exists():
        pytest.skip("needs Debian firefox-esr")
    env = {
        **os.environ,
        "SERVICE_URL": service,
        "PAGES_URL": pages,
        "FIREFOX": FIREFOX,
        "FIREFOX_UUID": FIREFOX_UUID,
    }
    proc = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "test/firefox/"],
        cwd=EXT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("name", ["contenteditable", "prosemirror"])
def test_underlines_cover_exactly_the_finding_spans_after_astral_characters(
    browser, pages: str, name: str
) -> None:
    page = open_fixture(browser, pages, name)
    try:
        type_draft(page, "🚀📈 Big news! " + DRAFT, None)
        wait_report(page)
        page.wait_for_function(
            "() => CSS.highlights.size > 0 && [...CSS.highlights.values()].every(h => h.size > 0)"
        )
        underlined = page.evaluate(
            "() => [...CSS.highlights.values()].flatMap(h => [...h]).map(r => r.toString())"
        )
        quoted = page.eval_on_selector_all(
            "trust-auditor-ui >> li.finding q", "els => els.map(e => e.textContent)"
        )
        assert underlined and sorted(underlined) == sorted(q for q in quoted if q in underlined)
        assert set(underlined) <= set(quoted)
    finally:
        page.close()
