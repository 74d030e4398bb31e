"""Throughput and latency of the diary's pages at scale, as ratios to bare Django in the same run.

    python bench/run.py [--patients 1000] [--days 365] [--duration 10] [--contention]

1. Generates (once) a seeded data set into bench/data/bench-<patients>x<days>-s<seed>-<fingerprint>.sqlite3
   (the fingerprint: a hash of the migrations, the drug reference and the generator) and serves
   a fresh copy of it, or uses DATABASE_URL (PostgreSQL) when set, generating there if it is empty.
2. Starts gunicorn (config.settings_bench: production settings over plain-http loopback) on 127.0.0.1.
3. Makes session cookies for many patients and the dermatologists up front (Django's SessionStore),
   fetches each patient's CSRF cookie and form token, then drives every target in bench/targets.py with
   wrk (a second process, niced) at a fixed concurrency, rotating through the cookies.
4. Prints a table (requests/s, p50/p95/p99, ratio to "hello") and writes bench/results/<timestamp>.json.
`--contention` adds a write run: 4 workers, concurrent saves on days with no entry yet; counts the rows.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
PYTHON = sys.executable
PREFIX = "bench"
sys.path.insert(0, str(ROOT))

from bench.targets import TARGETS, Target  # noqa: E402


def log(message: str) -> None:
    print(message, flush=True)


# --- Data ----------------------------------------------------------------------------------


def django_env(db: Path | None) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_bench", "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_DEBUG", None)
    if db is not None:
        env["BENCH_DB"] = str(db)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def prepare_database(args) -> tuple[Path | None, dict]:
    """The database to serve: a fresh copy of the generated SQLite file, or DATABASE_URL as it is."""
    info: dict = {}
    postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if postgres:
        env = django_env(None)
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "load_reference", "-v0")
        exists = manage(
            env,
            "shell",
            "-c",
            "from diary.models import Patient; "
            f"print(Patient.objects.filter(user__username__startswith='{PREFIX}-p').count())",
        )
        if exists.splitlines()[-1] != "0":
            log(f"PostgreSQL: using the {exists.splitlines()[-1]} generated patients already there")
            info["generation"] = "reused"
        else:
            info["generation"] = generate(env, args)
        return None, info
    DATA.mkdir(parents=True, exist_ok=True)
    name = f"bench-{args.patients}x{args.days}-s{args.seed}"
    pristine = DATA / f"{name}-{data_fingerprint()}.sqlite3"
    for stale in DATA.glob(f"{name}-*.sqlite3"):
        if stale != pristine:
            log(f"Data: removing {stale.name}, made by another schema or generator")
            stale.unlink()
    if pristine.exists():
        log(f"Data: reusing {pristine.relative_to(ROOT)} (delete it to regenerate)")
        info["generation"] = "reused"
    else:
        partial = pristine.with_suffix(".partial")
        for stale in DATA.glob(partial.name + "*"):
            stale.unlink()
        env = django_env(partial)
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "load_reference", "-v0")
        info["generation"] = generate(env, args)
        with sqlite3.connect(partial) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("ANALYZE")
        partial.rename(pristine)
    served = DATA / "served.sqlite3"
    for stale in DATA.glob("served.sqlite3*"):
        stale.unlink()
    shutil.copyfile(pristine, served)
    info["file"] = str(pristine.relative_to(ROOT))
    info["size_mb"] = round(pristine.stat().st_size / 1e6, 1)
    return served, info


def data_fingerprint() -> str:
    """What a generated file depends on besides its parameters: the migrations, the reference and the generator."""
    digest = hashlib.sha256()
    sources = [
        *sorted(ROOT.glob("*/migrations/0*.py")),
        ROOT / "drugs/data/drug_reference.json",
        ROOT / "diary/demo.py",
    ]
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def generate(env: dict[str, str], args) -> dict:
    log(f"Generating {args.patients} patients x {args.days} days (seed {args.seed})...")
    started = time.perf_counter()
    out = manage(
        env,
        "generate_demo",
        f"--patients={args.patients}",
        f"--days={args.days}",
        f"--seed={args.seed}",
        f"--prefix={PREFIX}",
    )
    seconds = time.perf_counter() - started
    log(f"  {out}\n  ({seconds:.0f} s including start-up)")
    return {"seconds": round(seconds, 1), "summary": out}


# --- Sessions ------------------------------------------------------------------------------


def make_sessions(env: dict[str, str], sessions: int) -> dict:
    """Session cookies for patients and dermatologists (bench/sessions.py), made before the load starts."""
    done = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "bench.sessions", str(sessions)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.split("SESSIONS_JSON", 1)[1])


def request(port: int, method: str, path: str, cookie: str = "", body: str = "") -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    cookies = {"location": response.getheader("Location", "")}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    conn.close()
    return response.status, cookies, text


def add_csrf(port: int, sessions: dict) -> None:
    """What a browser does before posting: GET Today, keep the CSRF cookie and the form's token."""
    for patient in sessions["patients"]:
        if "csrf" in patient:
            continue
        status, cookies, html = request(port, "GET", "/", patient["cookie"])
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or "csrftoken" not in cookies or not match:
            raise SystemExit(f"Could not get a CSRF token for patient {patient['id']} (HTTP {status}).")
        patient["cookie"] += f"; csrftoken={cookies['csrftoken']}"
        patient["csrf"] = match.group(1)


def request_lines(target: Target, sessions: dict, day_mode: str = "today") -> list[str]:
    lines = []
    if target.who == "patient":
        for patient in sessions["patients"]:
            days = [patient["today"]] if day_mode == "today" else patient["empty_days"]
            for day in days:
                values = {"today": patient["today"], "day": day, "csrf": patient.get("csrf", "")}
                values.update(sessions["symptoms"])
                path = target.path.format(**values)
                body = target.body.format(**values) if target.body else ""
                lines.append(f"{target.method}\t{path}\t{patient['cookie']}\t{body}")
    elif target.who == "dermatologist":
        for derm in sessions["dermatologists"]:
            for patient_id in derm["patient_ids"] or [0]:
                path = target.path.format(patient_id=patient_id)
                lines.append(f"{target.method}\t{path}\t{derm['cookie']}\t")
                if "{patient_id}" not in target.path:
                    break
    else:
        lines.append(f"{target.method}\t{target.path}\t\t")
    return lines


# --- Server and load -----------------------------------------------------------------------


class Server:
    def __init__(self, env: dict[str, str], port: int, workers: int, access_log: Path | None = None):
        self.port = port
        self.error_log = DATA / f"gunicorn-{port}.log"
        self.error_log.unlink(missing_ok=True)
        command = [
            str(Path(PYTHON).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--error-logfile",
            str(self.error_log),
            "--timeout",
            "120",
        ]
        if access_log:
            access_log.unlink(missing_ok=True)
            command += [
                "--access-logfile",
                str(access_log),
                "--access-logformat",
                "%(m)s %(U)s %(s)s %(L)s %({cookie}i)s",
            ]
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env
        )
        for _ in range(200):
            try:
                if request(port, "GET", "/bench/hello/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"gunicorn did not start; see {self.error_log}")

    def cpu_ticks(self) -> dict[int, int]:
        """CPU time (user + system) used so far by each gunicorn worker: robust to other load on the machine."""
        return _cpu_ticks(lambda name, ppid: ppid == self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # graceful: finishes the requests in flight
        self.process.wait(timeout=60)

    def log_text(self) -> str:
        return self.error_log.read_text() if self.error_log.exists() else ""


def _cpu_ticks(select) -> dict[int, int]:
    """User + system CPU ticks per process that `select(name, parent_pid)` picks, from /proc."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        if select(name, int(fields[1])):
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def cpu_used(before: dict[int, int], after: dict[int, int]) -> float:
    """Seconds of CPU between two snapshots; a process that ended in between is left out (not subtracted)."""
    ticks = sum(used - before.get(pid, 0) for pid, used in after.items())
    return ticks / os.sysconf("SC_CLK_TCK")


POSTMASTER_CODE = """
from pathlib import Path
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
stat = Path(f"/proc/{pid}/stat")
print("POSTMASTER", stat.read_text().rsplit(")", 1)[1].split()[1] if stat.exists() else "")
"""


def postmaster_pid(env: dict[str, str]) -> int | None:
    """The pid of our PostgreSQL server if it runs on this machine (the parent of a backend), else None.

    Only its children are counted: other PostgreSQL servers on the machine (other test runs) are not ours.
    """
    out = manage(env, "shell", "-c", POSTMASTER_CODE).split("POSTMASTER", 1)[1].strip()
    return int(out) if out else None


def postgres_ticks(postmaster: int | None) -> dict[int, int]:
    """CPU of our PostgreSQL server's backends and workers (their work for our queries)."""
    if postmaster is None:
        return {}
    return _cpu_ticks(lambda name, ppid: ppid == postmaster)


def wrk(port: int, lines: list[str], seconds: float, connections: int, threads: int) -> dict:
    lines_file = DATA / "wrk-requests.tsv"
    lines_file.write_text("\n".join(lines) + "\n")
    command = [
        "nice",
        "-n",
        "5",
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(BENCH / "wrk.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        str(lines_file),
    ]
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.split("BENCH_JSON", 1)[1].splitlines()[0])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure_targets(args, env, sessions) -> list[dict]:
    """Every target, then the cached ones again with both reference cache tiers off (`-cold`: every request a
    miss) and with only the per-process tier off (`-shared`: a worker whose memory is empty), then hello-end."""
    chosen = [t for t in TARGETS if not args.only or t.name in args.only]
    last = [t for t in chosen if t.name == "hello-end"]
    rows = _measure(args, env, sessions, [t for t in chosen if t not in last], args.port)
    cold = [replace(t, name=f"{t.name}-cold") for t in chosen if t.cached]
    shared = [replace(t, name=f"{t.name}-shared") for t in chosen if t.cached]
    if cold and not args.no_cold:
        log("  (the same with the reference caches off: every request a miss)")
        rows += _measure(args, {**env, "BENCH_PAGES_CACHE": "off"}, sessions, cold, args.port + 1)
        log("  (the same with the per-process cache off: every request read from the shared cache)")
        rows += _measure(args, {**env, "BENCH_PAGES_CACHE": "shared"}, sessions, shared, args.port + 3)
    if last:
        rows += _measure(args, env, sessions, last, args.port + 2)
    return rows


def _measure(args, env, sessions, targets: list[Target], port: int) -> list[dict]:
    postmaster = postmaster_pid(env) if os.environ.get("DATABASE_URL", "").startswith("postgres") else None
    server = Server(env, port, args.workers)
    rows = []
    try:
        add_csrf(port, sessions)
        for target in targets:
            lines = request_lines(target, sessions)
            method, path, cookie, body = lines[0].split("\t")
            status, cookies, _ = request(port, method, path, cookie, body)
            row = {
                "name": target.name,
                "path": target.path,
                "who": target.who,
                "method": target.method,
                "note": target.note,
                "first_status": status,
                "distinct_requests": len(lines),
            }
            # The admin answers an unknown page under an object with a redirect to its change form.
            missing = status == 404 or (status == 302 and cookies["location"].endswith("/change/"))
            if missing and target.optional:
                log(f"  {target.name:16} skipped: {path} answers {status} (not built yet)")
                rows.append({**row, "skipped": f"{status}: not built yet"})
                continue
            if status >= 400:
                log(f"  {target.name:16} FAILED: {method} {path} answers {status}")
                rows.append({**row, "skipped": f"HTTP {status}"})
                continue
            wrk(port, lines, args.warmup, args.connections, args.threads)
            cpu_before, db_before = server.cpu_ticks(), postgres_ticks(postmaster)
            result = wrk(port, lines, args.duration, args.connections, args.threads)
            requests = max(1, result["requests"])
            result["server_cpu_ms_per_request"] = round(cpu_used(cpu_before, server.cpu_ticks()) * 1000 / requests, 2)
            if postmaster is not None:
                db_cpu = cpu_used(db_before, postgres_ticks(postmaster))
                result["postgres_cpu_ms_per_request"] = round(db_cpu * 1000 / requests, 2)
            result["load_average_1m"] = os.getloadavg()[0]
            rows.append({**row, **result})
            log(
                f"  {target.name:16} {result['rps']:8.1f} req/s  p50 {result['p50_us'] / 1000:7.1f} ms  "
                f"p99 {result['p99_us'] / 1000:7.1f} ms  cpu {result['server_cpu_ms_per_request']:6.2f} ms/req  "
                f"errors {sum(result['errors'].values())}"
            )
    finally:
        server.stop()
    locked = server.log_text().count("database is locked")
    if locked:
        log(f"  WARNING: 'database is locked' {locked} times in {server.error_log}")
    return rows


def contention(args, env, sessions, db: Path | None) -> dict:
    """Several workers saving at once: every 302 must be a reaction in the database, no lock errors."""
    access_log = DATA / "contention-access.log"
    target = Target(
        "contention-save",
        "/diary/{day}/reactions/",
        who="patient",
        method="POST",
        body="symptom={itching}&severity=1&body_area=&treatment=&csrfmiddlewaretoken={csrf}",
    )
    lines = request_lines(target, sessions, day_mode="empty")
    count_code = (
        "from diary.models import Entry, Reaction; "
        f"print(Entry.objects.filter(patient__user__username__startswith='{PREFIX}-p').count(), "
        f"Reaction.objects.filter(entry__patient__user__username__startswith='{PREFIX}-p').count())"
    )
    entries_before, reactions_before = map(int, manage(env, "shell", "-c", count_code).split()[-2:])
    server = Server(env, args.port + 1, args.contention_workers, access_log)
    try:
        add_csrf(args.port + 1, sessions)
        result = wrk(args.port + 1, lines, args.duration, args.connections * 2, args.threads)
    finally:
        server.stop()
    entries_after, reactions_after = map(int, manage(env, "shell", "-c", count_code).split()[-2:])
    saves = [line.split() for line in access_log.read_text().splitlines() if line.startswith("POST")]
    ok = [s for s in saves if s[2] == "302"]
    # The session cookie names the patient: a (session, day) pair is one patient-day, i.e. one entry.
    days_hit = {(s[1], next((c for c in s[4:] if c.startswith("sessionid=")), "")) for s in ok}
    text = server.log_text()
    outcome = {
        "workers": args.contention_workers,
        "connections": args.connections * 2,
        "wrk": result,
        "posts_logged": len(saves),
        "posts_302": len(ok),
        "posts_other": {status: sum(1 for s in saves if s[2] == status) for status in {s[2] for s in saves}},
        "reactions_created": reactions_after - reactions_before,
        "entries_created": entries_after - entries_before,
        "distinct_patient_days_saved": len(days_hit),
        "database_is_locked": text.count("database is locked"),
        "tracebacks": text.count("Traceback"),
    }
    outcome["lost_reactions"] = outcome["posts_302"] - outcome["reactions_created"]
    outcome["lost_entries"] = outcome["distinct_patient_days_saved"] - outcome["entries_created"]
    outcome["ok"] = (
        outcome["database_is_locked"] == 0
        and outcome["lost_reactions"] == 0
        and outcome["lost_entries"] == 0
        and len(ok) == len(saves)
        and outcome["tracebacks"] == 0
    )
    return outcome


# --- Report --------------------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    hello = next((r for r in rows if r["name"] == "hello" and "rps" in r), None)
    out = [
        f"{'target':16} {'req/s':>8} {'x hello':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'p50 x hello':>11} {'cpu ms/req':>10} {'cpu x hello':>11} {'errors':>7}"
    ]
    for r in rows:
        if "rps" not in r:
            out.append(f"{r['name']:16} skipped ({r['skipped']})")
            continue
        errors = sum(r["errors"].values())
        ratio = r["rps"] / hello["rps"] if hello else float("nan")
        p50_ratio = r["p50_us"] / hello["p50_us"] if hello and hello["p50_us"] else float("nan")
        cpu = r["server_cpu_ms_per_request"]
        cpu_ratio = cpu / hello["server_cpu_ms_per_request"] if hello and hello["server_cpu_ms_per_request"] else 0
        r["ratio_rps_to_hello"], r["ratio_p50_to_hello"] = round(ratio, 3), round(p50_ratio, 2)
        r["ratio_cpu_to_hello"] = round(cpu_ratio, 1)
        out.append(
            f"{r['name']:16} {r['rps']:8.1f} {ratio:8.3f} {r['p50_us'] / 1000:8.1f} {r['p95_us'] / 1000:8.1f} "
            f"{r['p99_us'] / 1000:8.1f} {p50_ratio:11.1f} {cpu:10.2f} {cpu_ratio:11.1f} {errors:7d}"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per target")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load before each target")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (one per core)")
    parser.add_argument("--sessions", type=int, default=200, help="patients signed in at once")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", type=lambda s: s.split(","), default=None, help="comma-separated target names")
    parser.add_argument("--no-cold", action="store_true", help="skip the cached targets' cold (cache off) runs")
    parser.add_argument("--reminders", type=int, default=0, help="also time scheduler passes over N patients")
    parser.add_argument("--contention", action="store_true", help="also run the concurrent-write check")
    parser.add_argument("--contention-only", action="store_true")
    parser.add_argument("--contention-workers", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does).")

    started = time.perf_counter()
    db, data_info = prepare_database(args)
    env = django_env(db)
    manage(env, "collectstatic", "--no-input", "-v0")
    sessions = make_sessions(env, args.sessions)
    engine = "postgresql" if db is None else "sqlite"
    log(
        f"Serving {engine} with {args.workers} gunicorn sync workers; wrk -c{args.connections} -t{args.threads}, "
        f"{args.duration:g} s per target; {len(sessions['patients'])} patients signed in; dermatologist: "
        f"{sessions['dermatologist_kind']}"
    )
    report = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": engine,
        "data": {**data_info, "patients": args.patients, "days": args.days, "seed": args.seed},
        "setup": {
            "workers": args.workers,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "sessions": len(sessions["patients"]),
            "dermatologist": sessions["dermatologist_kind"],
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "machine": platform.machine(),
        },
    }
    if not args.contention_only:
        rows = measure_targets(args, env, sessions)
        print("\n" + table(rows) + "\n")
        report["targets"] = rows
    if args.contention or args.contention_only:
        outcome = contention(args, env, sessions, db)
        report["contention"] = outcome
        log(
            f"Contention ({outcome['workers']} workers, {outcome['connections']} connections, "
            f"{outcome['wrk']['rps']:.0f} saves/s): {outcome['posts_302']} saves answered 302, "
            f"{outcome['reactions_created']} reactions and {outcome['entries_created']} entries created "
            f"({outcome['distinct_patient_days_saved']} distinct patient-days), "
            f"{outcome['lost_reactions']} lost, 'database is locked' {outcome['database_is_locked']} times, "
            f"other statuses {outcome['posts_other']}: {'OK' if outcome['ok'] else 'FAILED'}"
        )
    if args.reminders:
        log(f"Reminder scheduler ({args.reminders:,} patients, a throwaway database):")
        done = subprocess.run(  # noqa: S603
            [PYTHON, str(BENCH / "reminders_bench.py"), f"--patients={args.reminders}"],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            capture_output=True,
            text=True,
            check=True,
        )
        log(done.stdout.strip())
        report["reminders"] = done.stdout.strip()
    report["seconds_total"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-{engine}-{args.patients}x{args.days}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    log(f"Wrote {path.relative_to(ROOT)} ({report['seconds_total']:.0f} s in all)")
    if "contention" in report and not report["contention"]["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
