"""`auditor check`, `rules` and `explain` as a user runs them: output, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "fixtures" / "samples"


def run(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "auditor.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd or ROOT,
        timeout=60,
    )


def test_check_text_output_shows_position_code_fix_and_scores():
    p = run("check", str(SAMPLES / "cold-email-bad.txt"))
    out = p.stdout.decode()
    assert p.returncode == 1
    assert "cold-email-bad.txt:" in out
    assert "IN101 [warning]" in out and ":7:1:" in out  # line 7, column 1
    assert "→ “I can see why that's frustrating”" in out
    assert "trust" in out and "driven by" in out
    assert "verdict: REWRITE" in out


def test_check_exits_zero_when_the_verdict_is_send():
    p = run("check", str(SAMPLES / "cold-email-good.txt"))
    assert "verdict: SEND" in p.stdout.decode()
    assert p.returncode == 0


def test_json_format_is_the_report_dict():
    p = run("check", "--format", "json", "--kind", "social", str(SAMPLES / "cold-email-bad.txt"))
    data = json.loads(p.stdout)
    assert data["kind"] == "social" and set(data["scores"]) >= {"trust", "lemming"}


def test_sarif_format_is_valid_sarif_with_regions():
    data = json.loads(run("check", "--format", "sarif", str(SAMPLES / "cold-email-bad.txt")).stdout)
    assert data["version"] == "2.1.0"
    results = data["runs"][0]["results"]
    assert results and all("ruleId" in r for r in results)
    regions = [r["locations"][0]["physicalLocation"].get("region") for r in results]
    assert any(r and r["startLine"] >= 1 for r in regions)
    ids = {r["id"] for r in data["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in results} <= ids


def test_eml_rates_subject_and_body_without_quoted_reply_or_signature():
    data = json.loads(run("check", "--format", "json", str(SAMPLES / "reply.eml")).stdout)
    rules = {f["rule"] for f in data["findings"]}
    assert "IN101" in rules  # in the body
    assert "SO101" not in rules  # only in the quoted reply
    assert all("Acme Cloud |" not in (f["text"] or "") for f in data["findings"])


def test_stdin_is_read_with_a_dash():
    p = run("check", "--format", "json", "-", stdin=b"I know how you feel about the delay.")
    assert any(f["rule"] == "IN101" for f in json.loads(p.stdout)["findings"])


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["check", "/no/such/file.txt"], None, "no such file"),
        (["check", "-"], b"", "empty"),
        (["check", "-"], b"\x00\x00\x01\x02", "binary"),
        (["check", "-"], b"\xff\xfe\xfa bad utf8", "UTF-8"),
        (["explain", "ZZ999"], None, "no rule"),
    ],
)
def test_bad_input_is_a_one_line_error_with_exit_2(args, stdin, message):
    p = run(*args, stdin=stdin)
    err = p.stderr.decode()
    assert p.returncode == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_usage_error_exits_2():
    assert run("check").returncode == 2
    assert run("check", "--kind", "tweet", "x.txt").returncode == 2


def test_config_file_is_found_in_the_working_folder(tmp_path):
    (tmp_path / ".trust-auditor.toml").write_text('ignore = ["IN101"]\n')
    draft = tmp_path / "d.txt"
    draft.write_text("I know how you feel about the delay.")
    p = run("check", "--format", "json", str(draft), cwd=tmp_path)
    assert all(f["rule"] != "IN101" for f in json.loads(p.stdout)["findings"])


def test_invalid_config_is_a_clear_error(tmp_path):
    (tmp_path / ".trust-auditor.toml").write_text("ignore = 3\n")
    draft = tmp_path / "d.txt"
    draft.write_text("Hello.")
    p = run("check", str(draft), cwd=tmp_path)
    assert p.returncode == 2 and "ignore must be a list" in p.stderr.decode()


def test_rules_lists_every_rule_and_explain_shows_examples():
    listing = run("rules").stdout.decode()
    assert "SO101" in listing and "IN101" in listing
    shown = run("explain", "in101").stdout.decode()
    assert "Fires on:" in shown and "I know how you feel about the delay." in shown


def test_check_works_offline_without_heavy_imports():
    """No network (textstat's syllable counter would call nltk.download), and start-up pays for
    neither Flask, numpy nor scikit-learn."""
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise OSError('network is off in this test')\n"
        "socket.socket.connect = refuse\n"
        "from auditor.cli import main\n"
        "rc = main(['check', '--format', 'json', sys.argv[1]])\n"
        "heavy = {'flask', 'numpy', 'sklearn', 'pydantic', 'sqlalchemy', 'nltk', 'textstat'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLES / "cold-email-bad.txt")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["readability"]["flesch_reading_ease"] > 0
