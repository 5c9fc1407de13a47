"""How the browser tests start Debian's Chromium (facts in ../shared/EXTENSION-NOTES.md)."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Headless, as root, with the background fetches off: this machine has no network, and without
# these flags Chromium keeps trying to reach Google's hosts.
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
