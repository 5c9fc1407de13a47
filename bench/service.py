"""Service benchmark: `auditor serve --workers 2` driven from a separate process on loopback.

Prints requests/s, latency percentiles and errors for varied ~150-word emails at 8
connections, the engine's own in-process time for the same emails, a hello-world Flask app
under the same gunicorn settings as the peer to compare with, and resident memory (master +
workers) at the start and the end of the run. `--soak 300` is the 5-minute soak.

    python bench/service.py                  # 20 s load, hello-world peer, figures
    python bench/service.py --soak 300       # 5-minute soak: RSS flat?

Load comes from wrk (Debian package `wrk`) when installed, else from a Python loop.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OPENERS = [
    "Hi {name}, I noticed {company} opened a second support centre in {city} this spring.",
    "Hello {name}, congratulations on the {city} launch last month.",
    "{name}, I hope you are well. I know how you feel about vendor emails, so I will be brief.",
    "Hi {name}, your talk on churn at the {city} meetup made a point I keep thinking about.",
]
MIDDLES = [
    "We are the leading provider of world-class, best-in-class solutions for teams like yours.",
    "Teams your size usually lose two or three hours a week reconciling tickets by hand.",
    "Our platform helps companies streamline workflows and unlock synergies at scale.",
    "One customer in logistics cut first-response time from nine hours to forty minutes.",
    "I put together a short checklist on triage rules that you can use whether or not we talk.",
    "If your volume stays under a thousand tickets a month, a shared inbox may serve you better.",
    "Gartner's 2025 survey found that 61% of buyers prefer to research before talking to sales.",
    "We developed this new technology that I think is the best in the world.",
    "The attached two-page note compares three approaches, including two that are not ours.",
    "Most of our clients start with a two-week pilot on one queue before deciding anything.",
]
CLOSERS = [
    "Would a 15-minute call next Tuesday at 10 work for you?",
    "If this is not a priority this quarter, just say so and I will not follow up.",
    "Act now: this offer expires Friday, so book a demo today!",
    "Happy to send the checklist either way; just reply with the best address.",
]
NAMES = ["Sam", "Priya", "Jonas", "Ana", "Wei", "Fatima", "Lukas", "Maya"]
COMPANIES = ["Northwind", "Acme", "Globex", "Initech", "Umbrella", "Hooli"]
CITIES = ["Leeds", "Lyon", "Austin", "Pune", "Lisbon", "Osaka"]


def make_emails(n: int, seed: int = 7, words: int = 150) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        fill = {
            "name": rng.choice(NAMES),
            "company": rng.choice(COMPANIES),
            "city": rng.choice(CITIES),
        }
        parts = [rng.choice(OPENERS).format(**fill)]
        while len(" ".join(parts).split()) < words - 12:
            parts.append(rng.choice(MIDDLES))
        parts.append(rng.choice(CLOSERS))
        out.append(" ".join(parts))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(
    url: str, proc: subprocess.Popen, timeout: float = 90, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise SystemExit(f"server exited with {proc.returncode}\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not come up")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    pids = [pid]
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in kids.split()]
    except OSError:
        pass
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (the gunicorn workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    total = 0
    for p in [pid, *map(int, kids.split())]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / ticks


def engine_time_ms(emails: list[str], rounds: int = 3) -> tuple[float, float, float]:
    """Median and p99 wall time of one audit() call in this process (no HTTP, no storage),
    and its mean CPU time (steady when other processes share the cores)."""
    sys.path.insert(0, str(ROOT))
    from auditor import audit

    for e in emails[:20]:
        audit(e, "email")
    times = []
    cpu0 = time.process_time()
    for _ in range(rounds):
        for e in emails:
            t0 = time.perf_counter()
            json.dumps(audit(e, "email").to_dict())
            times.append((time.perf_counter() - t0) * 1000)
    cpu = (time.process_time() - cpu0) * 1000 / len(times)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], cpu


# --- load generators -------------------------------------------------------------------------

LUA = """
local bodies = {{{bodies}}}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "{path}", nil, bodies[i])
end
"""


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def run_wrk(url: str, path: str, bodies: list[str] | None, seconds: int, conns: int) -> dict:
    cmd = ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    script = None
    if bodies is not None:
        fd, script = tempfile.mkstemp(suffix=".lua")
        with os.fdopen(fd, "w") as fh:
            fh.write(LUA.format(bodies=",".join(_lua_string(b) for b in bodies), path=path))
        cmd += ["-s", script]
    out = subprocess.run(
        cmd + [url + path], capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    if script:
        os.unlink(script)

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return {
        "rps": rps,
        "p50": ms("50"),
        "p90": ms("90"),
        "p99": ms("99"),
        "requests": total,
        "errors": errors,
    }


def run_python_load(
    url: str, path: str, bodies: list[str] | None, seconds: int, conns: int
) -> dict:
    import http.client

    host, port = url.split("//")[1].split(":")
    lat: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(k: int) -> None:
        i = k
        mine = []
        while time.monotonic() < stop:
            i += 1
            conn = http.client.HTTPConnection(host, int(port), timeout=5)
            t0 = time.perf_counter()
            try:
                if bodies is None:
                    conn.request("GET", path)
                else:
                    conn.request(
                        "POST", path, bodies[i % len(bodies)], {"Content-Type": "application/json"}
                    )
                resp = conn.getresponse()
                resp.read()
                if resp.status >= 300:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
            mine.append((time.perf_counter() - t0) * 1000)
            conn.close()
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]  # noqa: E731
    return {
        "rps": len(lat) / seconds,
        "p50": q(0.5),
        "p90": q(0.9),
        "p99": q(0.99),
        "requests": len(lat),
        "errors": errors[0],
    }


HELLO = textwrap.dedent(
    """
    from flask import Flask
    app = Flask(__name__)

    @app.get("/")
    def hello():
        return "hello"
    """
)


def start(
    cmd: list[str], env: dict, cwd: str | None = None, log: Path | None = None
) -> subprocess.Popen:
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=out, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def line(label: str, r: dict) -> str:
    return (
        f"{label:<28} {r['rps']:>8.0f} req/s   p50 {r['p50']:>6.2f} ms   p90 {r['p90']:>6.2f} ms   "
        f"p99 {r['p99']:>6.2f} ms   errors {r['errors']} of {r['requests']}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=20, help="load duration (default 20)")
    ap.add_argument("--soak", type=int, default=0, help="instead: a soak of this many seconds")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="gthread threads per worker")
    ap.add_argument("--emails", type=int, default=200, help="distinct emails to cycle through")
    ap.add_argument("--database-url", help="default: SQLite in a temporary instance folder")
    ap.add_argument("--no-peer", action="store_true", help="skip the hello-world Flask peer")
    ap.add_argument("--no-record", action="store_true", help='send "record": false (no history)')
    ap.add_argument("--load", choices=("auto", "wrk", "python"), default="auto")
    args = ap.parse_args()

    seconds = min(args.soak or args.seconds, 900)
    load = (
        run_wrk
        if (args.load == "wrk" or (args.load == "auto" and shutil.which("wrk")))
        else run_python_load
    )
    emails = make_emails(args.emails)
    bodies = [
        json.dumps({"text": e, "kind": "email", "record": not args.no_record}) for e in emails
    ]
    words = statistics.median(len(e.split()) for e in emails)

    eng_med, eng_p99, eng_cpu = engine_time_ms(emails)
    print(
        f"emails: {len(emails)} distinct, median {words:.0f} words; load: {load.__name__[4:]}, "
        f"{args.connections} connections, {seconds} s; {os.cpu_count()} cores"
    )
    print(
        f"{'engine in-process audit()':<28} median {eng_med:.2f} ms   p99 {eng_p99:.2f} ms   "
        f"CPU {eng_cpu:.2f} ms   (= {1000 / eng_cpu * args.workers:.0f} audits/s on {args.workers} cores, no HTTP)"
    )

    tmp = tempfile.mkdtemp(prefix="ta-bench-")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    try:
        if not args.no_peer and not args.soak:
            Path(tmp, "hello_app.py").write_text(HELLO)
            port = free_port()
            peer = start(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-w",
                    str(args.workers),
                    "--preload",
                    "-b",
                    f"127.0.0.1:{port}",
                    "hello_app:app",
                ],
                env,
                cwd=tmp,
            )
            try:
                wait_healthy(f"http://127.0.0.1:{port}/", peer)
                load(f"http://127.0.0.1:{port}", "/", None, 2, args.connections)  # warm-up
                hello = load(f"http://127.0.0.1:{port}", "/", None, seconds, args.connections)
            finally:
                stop(peer)
            print(line("hello-world Flask (peer)", hello))

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start(
            [
                sys.executable,
                "-m",
                "auditor.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--instance",
                str(Path(tmp, "instance")),
            ],
            env,
            log=Path(tmp, "serve.log"),
        )
        try:
            wait_healthy(url + "/healthz", proc, log=Path(tmp, "serve.log"))
            load(url, "/api/v1/audit", bodies, 3, args.connections)  # warm-up
            rss_start = tree_rss_mb(proc.pid)
            cpu_start = tree_cpu_seconds(proc.pid)
            result = load(url, "/api/v1/audit", bodies, seconds, args.connections)
            cpu_end = tree_cpu_seconds(proc.pid)
            rss_end = tree_rss_mb(proc.pid)
            with urllib.request.urlopen(url + "/api/v1/history?limit=1") as r:
                last = json.loads(r.read())["items"]
        finally:
            stop(proc)
        print(line("POST /api/v1/audit", result))
        if not args.no_peer and not args.soak:
            print(
                f"{'ratio to hello-world':<28} {result['rps'] / hello['rps']:.2f}x throughput, "
                f"p99 {result['p99'] / hello['p99']:.1f}x"
            )
        cpu_ms = 1000 * (cpu_end - cpu_start) / max(1, result["requests"])
        print(
            f"{'server CPU per request':<28} {cpu_ms:.2f} ms (engine alone {eng_cpu:.2f} ms CPU; "
            f"HTTP, auth, validation, history write and JSON add {cpu_ms - eng_cpu:+.2f} ms)"
        )
        print(
            f"{'resident memory (all procs)':<28} start {rss_start:.0f} MB   end {rss_end:.0f} MB   "
            f"change {rss_end - rss_start:+.1f} MB over {seconds} s"
        )
        print(f"history rows written: last id {last[0]['id'] if last else 0}")
        ok = result["rps"] >= 400 and result["p99"] <= 25 and result["errors"] == 0
        print(f"target (>= 400 req/s, p99 <= 25 ms, no errors): {'met' if ok else 'NOT met'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
