"""Extension timings in real headless Chromium against the real local service.

    python bench/extension.py [--trials 7]

Prints medians (and worst cases) for:
- panel visible after typing stops, debounce included (budget 1 s), per editor;
- content-script main-thread work per keystroke on a 1,500-word draft (budget 2 ms), from the
  Performance API entries the content script records when its `timing` setting is on;
- the one-off read (text map) and render work when an answer arrives, on that draft.
Needs `npm ci` in extension/ and Debian chromium; starts and stops its own servers.
"""

from __future__ import annotations

import argparse
import functools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "extension"
DEBOUNCE_MS = 500  # the extension's default
DRAFT = (
    "Hi Sarah. I know how you feel about vendors. How about if you take a look at the "
    "specs and challenge me to defend it."
)
PARAGRAPH = (
    "Your team shipped the new billing flow last quarter and churn in the first month "
    "dropped, which matches what we saw when two of our customers made the same change. "
    "Here is the spreadsheet they used to model it, and a short note on what went wrong "
    "the first time so you can skip that part. "
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_service(instance: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "AUDITOR_INSTANCE_PATH": instance, "AUDITOR_RATELIMIT_ENABLED": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["--preload", "--log-level", "warning", "auditor.web:create_app()"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2).close()
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the service did not start")


def _fmt(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):7.2f} ms   max {max(values):7.2f} ms   n={len(values)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=7)
    args = ap.parse_args()
    subprocess.run(["node", "build.mjs"], cwd=EXT, check=True, capture_output=True)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

    pages = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=ROOT / "fixtures" / "pages")
    )
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{pages.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        service, url = _start_service(tmp)
        try:
            with sync_playwright() as p:
                ext = EXT / "dist" / "chromium"
                ctx = p.chromium.launch_persistent_context(
                    f"{tmp}/profile",
                    headless=False,
                    executable_path="/usr/bin/chromium",
                    viewport={"width": 1280, "height": 800},
                    args=[
                        "--headless=new",
                        f"--disable-extensions-except={ext}",
                        f"--load-extension={ext}",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--no-first-run",
                    ],
                )
                worker = (
                    ctx.service_workers[0]
                    if ctx.service_workers
                    else ctx.wait_for_event("serviceworker")
                )
                worker.evaluate(
                    "(v) => chrome.storage.local.set(v)",
                    {"serviceUrl": url, "debounceMs": DEBOUNCE_MS, "timing": True},
                )
                _panel_latency(ctx, base, args.trials)
                _keystroke_cost(ctx, base)
                ctx.close()
        finally:
            service.terminate()
            service.wait(15)
            pages.shutdown()


def _panel_latency(ctx, base: str, trials: int) -> None:
    print(f"Panel visible after typing stops (debounce {DEBOUNCE_MS} ms included; budget 1000 ms)")
    for name in ("textarea", "gmail", "prosemirror", "lexical"):
        times = []
        for _ in range(trials):
            page = ctx.new_page()
            page.goto(f"{base}/{name}.html")
            page.wait_for_function("window.fixture && window.fixture.field")
            page.click(page.evaluate("window.fixture.field"))
            page.keyboard.type(DRAFT)
            # Time from the last keystroke, on the page's clock, to the panel showing a report.
            last = page.evaluate("performance.now()")
            page.wait_for_function(
                "() => { const p = document.querySelector('trust-auditor-ui')"
                "?.shadowRoot?.querySelector('.panel'); "
                "return p && !p.hidden && p.dataset.status === 'ok' && p.querySelector('li'); }",
                polling="raf",
                timeout=10000,
            )
            times.append(page.evaluate("performance.now()") - last)
            page.close()
        print(f"  {name:<12} {_fmt(times)}")


def _keystroke_cost(ctx, base: str) -> None:
    page = ctx.new_page()
    page.goto(f"{base}/gmail.html")
    page.wait_for_function("window.fixture && window.fixture.field")
    page.click(page.evaluate("window.fixture.field"))
    words = 0
    draft = []
    while words < 1500:
        draft.append(PARAGRAPH)
        words += len(PARAGRAPH.split())
    page.keyboard.insert_text("\n".join(draft))
    page.wait_for_function(
        "() => document.querySelector('trust-auditor-ui')?.shadowRoot"
        "?.querySelector('.panel[data-status=ok]')",
        timeout=30000,
    )
    page.evaluate("performance.clearMeasures()")
    keys = "One more sentence about your churn numbers."
    page.keyboard.type(keys, delay=30)
    page.wait_for_timeout(DEBOUNCE_MS + 2000)

    def entries(name: str) -> list[float]:
        return page.evaluate("(n) => performance.getEntriesByName(n).map(e => e.duration)", name)

    per_key = entries("trust-auditor:input")
    mutations = entries("trust-auditor:mutation")
    total = [a + b for a, b in zip(per_key, mutations, strict=False)] or per_key
    print(f"Content script on a {words}-word draft (Gmail fixture; budget 2 ms per keystroke)")
    if not per_key:
        print("  no Performance API entries visible to the page: cannot measure")
        page.close()
        return
    print(f"  input handler per keystroke      {_fmt(per_key)}")
    if mutations:
        print(f"  mutation observer per keystroke  {_fmt(mutations)}")
    print(f"  both, per keystroke              {_fmt(total)}")
    for name, label in (
        ("trust-auditor:read", "read (text map)"),
        ("trust-auditor:render", "render"),
    ):
        got = entries(name)
        if got:
            print(f"  {label:<16} once per answer  {_fmt(got)}")
    page.close()


if __name__ == "__main__":
    main()
