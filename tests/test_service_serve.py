"""`auditor serve` really starts gunicorn (preloaded, several workers) and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from conftest import free_port

pytestmark = pytest.mark.slow


def _request(url: str, body: dict | None = None, headers: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _start(tmp_path, *extra: str, env: dict | None = None):
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--instance",
            str(tmp_path / "inst"),
            "--access-log",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stdout.read()}")
        try:
            if _request(url + "/healthz")[0] == 200:
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("serve did not answer within 60 s")


def _stop(proc) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError("serve did not stop on SIGINT") from None
    return out


def test_serve_runs_gunicorn_with_workers_and_answers_the_api(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    secret = "SERVE-LOG-MARKER-5123"
    proc, url = _start(tmp_path)
    try:
        status, report = _request(url + "/api/v1/audit", {"text": f"I know how you feel. {secret}"})
        assert status == 200 and report["findings"]
        status, hist = _request(url + "/api/v1/history")
        assert status == 200 and len(hist["items"]) == 1
        status, err = _request(url + "/api/v1/audit", {"text": ""})
        assert status == 422 and err["error"]["code"] == "empty_text"
        deadline = time.monotonic() + 20
        children: list[str] = []
        while time.monotonic() < deadline and len(children) < 2:
            children = subprocess.run(
                ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
            ).stdout.split()
            time.sleep(0.1)
        assert len(children) == 2  # --workers 2 under one gunicorn master
    finally:
        out = _stop(proc)
    assert proc.returncode == 0
    assert "Booting worker" in out and "POST /api/v1/audit" in out
    assert secret not in out
    assert (tmp_path / "inst" / "auditor.sqlite3").is_file()


def test_serve_requires_tokens_when_configured_and_cli_tokens_work(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    inst = str(tmp_path / "inst")
    made = subprocess.run(
        [sys.executable, "-m", "auditor.cli", "token", "--instance", inst, "create", "ci"],
        capture_output=True,
        text=True,
        check=True,
    )
    token = made.stdout.strip()
    proc, url = _start(tmp_path, env={"AUDITOR_REQUIRE_TOKEN": "1"})
    try:
        assert _request(url + "/api/v1/audit", {"text": "Hello there."})[0] == 401
        auth = {"Authorization": f"Bearer {token}"}
        assert _request(url + "/api/v1/audit", {"text": "Hello there."}, auth)[0] == 200
    finally:
        _stop(proc)
