"""Benchmark: /cost slash commands end to end, the real bot over HTTP against the fake Slack.

    python bench/slack.py --db sqlite
    python bench/slack.py --db postgres --concurrency 1,10,50 --requests 200 --warmup 10

Starts the fake Slack (SandboxServer, in this process) and `costbot run` (waitress, a
subprocess) on the 365 days x 10,000 resources store of bench/query.py. At each concurrency
level, N client threads each send a signed `/cost project <X> mtd`, wait for the HTTP 200 (ack)
and then for the bot's POST to that command's own response_url (answer), then send the next.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from _common import CACHE_DIR, code_version, percentile, pg_admin, print_table, write_results
from query import store

from bot.app import build_services
from bot.sandbox import SandboxServer
from bot.sandbox.signing import FORM, post_signed, slash_command_form
from bot.sandbox.state import SandboxState
from bot.settings import Settings

RUN = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
BOT_TOKEN = "xoxb-0000000000-bench-slack"
SIGNING_SECRET = "3b6f0c1e9a7d4b2f8e5c1a0d9f7b6e4c"
CHANNEL, USER = "C0MLPLATF1", "U0SANDBOX1"
ACK_TARGET_MS, ANSWER_TARGET_MS = 300, 1000  # ack p99, answer p95, at 50 concurrent


class TrackedState(SandboxState):
    """Sandbox state that also notes when each response_url token is answered."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()
        self.answers: dict[str, tuple[float, str | None, str]] = {}
        self.waiters: dict[str, threading.Event] = {}

    def use_response_url(self, token: str):  # the same request thread then calls record_call
        self._local.token = token
        return super().use_response_url(token)

    def record_call(self, method: str, params: dict, error: str | None) -> None:
        super().record_call(method, params, error)
        if method == "response_url":
            token, text = self._local.token, str(params.get("text", ""))
            with self.lock:
                self.answers[token] = (time.perf_counter(), error, text)
                waiter = self.waiters.get(token)
            if waiter:
                waiter.set()


def command(state: TrackedState, url: str, project: str, timeout: float) -> dict:
    form = slash_command_form(
        state, channel_id=CHANNEL, user_id=USER, text=f"project {project} mtd"
    )
    token = form["response_url"].rsplit("/", 1)[1]
    done = state.waiters[token] = threading.Event()
    body = urlencode(form).encode()
    started = time.perf_counter()
    reply = post_signed(url, body, FORM, SIGNING_SECRET)  # Slack's own 3 s limit
    acked = time.perf_counter()
    if reply.status != 200:
        return {"ack_ms": None, "answer_ms": None, "error": reply.error or f"http {reply.status}"}
    if not done.wait(timeout):
        return {"ack_ms": (acked - started) * 1000, "answer_ms": None, "error": "answer timeout"}
    answered, error, text = state.answers[token]
    if error is None and project not in text:
        error = f"unexpected answer: {text[:80]}"
    return {
        "ack_ms": (acked - started) * 1000,
        "answer_ms": (answered - started) * 1000,
        "error": error,
    }


def level(
    state: TrackedState, url: str, projects: list[str], clients: int, count: int, timeout: float
) -> list[dict]:
    with ThreadPoolExecutor(max_workers=clients) as pool:
        jobs = [
            pool.submit(command, state, url, projects[i % len(projects)], timeout)
            for i in range(count)
        ]
        return [job.result() for job in jobs]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _env(database_url: str, port: int, api_url: str, cache: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "COSTBOT_")) and "proxy" not in k.lower()
    }
    return {
        **env,
        "COSTBOT_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "COSTBOT_HOST": "127.0.0.1",
        "COSTBOT_PORT": str(port),
        "COSTBOT_SLACK_API_URL": api_url,
        "COSTBOT_ANSWER_CACHE": "1" if cache else "0",
    }


def _others_using(db: str, days: int, count: int) -> int:
    """Other processes with the cached store open (e.g. bench/query.py still building it)."""
    if db == "postgres":
        name = f"costbot_bench_q_{days}d_{count}r"
        return pg_admin("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", name)[0][0]
    path, users = str(CACHE_DIR / f"query-{days}d-{count}r.db"), 0
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        if fd_dir.parent.name == str(os.getpid()):
            continue
        try:
            users += any(os.readlink(fd).startswith(path) for fd in fd_dir.iterdir())
        except OSError:
            continue
    return users


def _store(db: str, days: int, count: int) -> str:
    """store() of bench/query.py once no one else has it open: it rebuilds a half-built store."""
    while users := _others_using(db, days, count):
        print(f"waiting: {users} other process(es) have the {db} store open", flush=True)
        time.sleep(10)
    return store(db, days, count, rebuild=False)[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, bot: subprocess.Popen, log, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if bot.poll() is not None:
            raise RuntimeError(f"costbot run exited ({bot.returncode}), see {log}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} never answered, see {log}") from None
            time.sleep(0.2)


def _summary(clients: int, results: list[dict]) -> dict:
    acks = [r["ack_ms"] for r in results if r["ack_ms"] is not None]
    answers = [r["answer_ms"] for r in results if r["answer_ms"] is not None and not r["error"]]
    errors = [r["error"] for r in results if r["error"]]
    stats = {
        f"{name}_p{q}_ms": round(percentile(values, q), 1) if values else None
        for name, values in (("ack", acks), ("answer", answers))
        for q in (50, 95, 99)
    }
    timeouts = sum("timeout" in e for e in errors)
    return {
        "concurrency": clients,
        "requests": len(results),
        **stats,
        "errors": len(errors) - timeouts,
        "timeouts": timeouts,
        "error_samples": sorted(set(errors))[:5],
        "ack_ms": [round(t, 2) for t in acks],
        "answer_ms": [round(t, 2) for t in answers],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--concurrency", default="1,10,50", help="client threads, per level")
    parser.add_argument("--requests", type=int, default=200, help="measured commands per level")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured commands per level")
    parser.add_argument("--answer-timeout", type=float, default=30.0, help="seconds")
    parser.add_argument(
        "--answer-cache",
        default="off",
        choices=["on", "off"],
        help="off: every command runs its queries; on: repeated questions reuse answers",
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--resources", type=int, default=10_000)
    args = parser.parse_args()
    levels = [int(n) for n in args.concurrency.split(",")]
    print(f"code under test: {code_version()}")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    database_url = _store(args.db, args.days, args.resources)
    services = build_services(Settings(database_url=database_url))
    projects = services.cost_store.known_names("project")
    services.engine.dispose()
    state, port = TrackedState(), _free_port()
    log = CACHE_DIR / f"slack-bot-{args.db}-{os.getpid()}.log"
    summaries = []
    with SandboxServer(state, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET) as sandbox:
        with log.open("wb") as out:
            bot = subprocess.Popen(
                RUN,
                env=_env(database_url, port, sandbox.api_url, args.answer_cache == "on"),
                cwd=CACHE_DIR,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_serving(f"{base}/healthz", bot, log)
            print(f"bot pid {bot.pid} on {base}, log {log}; {len(projects)} projects", flush=True)
            events = f"{base}/slack/events"
            for clients in levels:
                level(state, events, projects, clients, args.warmup, args.answer_timeout)
                cpu = _cpu_seconds(bot.pid), time.process_time(), time.perf_counter()
                results = level(
                    state, events, projects, clients, args.requests, args.answer_timeout
                )
                used = _cpu_seconds(bot.pid), time.process_time(), time.perf_counter()
                bot_cpu, bench_cpu, wall = (b - a for a, b in zip(cpu, used, strict=True))
                summaries.append(
                    _summary(clients, results)
                    | {
                        "commands_per_s": round(args.requests / wall, 1),
                        "bot_cpu_ms_per_command": round(bot_cpu * 1000 / args.requests, 1),
                        "bench_cpu_ms_per_command": round(bench_cpu * 1000 / args.requests, 1),
                    }
                )
                print(f"  {clients} clients done", flush=True)
        finally:
            if bot.poll() is None:
                bot.terminate()  # SIGTERM: `costbot run` stops like Ctrl-C
                try:
                    bot.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    bot.wait(timeout=5)
    print(
        f"\n/cost project <X> mtd on {args.db}, {args.days} d x {args.resources:,} resources; "
        f"{args.requests} requests per level after {args.warmup} warm-ups; "
        f"targets at 50 clients: ack p99 < {ACK_TARGET_MS} ms, "
        f"answer p95 < {ANSWER_TARGET_MS} ms\n"
    )
    keys = [f"{n}_p{q}" for n in ("ack", "answer") for q in (50, 95, 99)]
    print_table(
        ["clients", *(f"{k.replace('_', ' ')} ms" for k in keys), "errors", "timeouts", "cmd/s",
         "bot CPU ms/cmd", "targets"],
        [
            [s["concurrency"], *(_ms(s[f"{k}_ms"]) for k in keys), s["errors"], s["timeouts"],
             s["commands_per_s"], s["bot_cpu_ms_per_command"],
             _verdict(s) if s["concurrency"] == 50 else ""]
            for s in summaries
        ],
    )  # fmt: skip
    payload = {
        "args": vars(args),
        "targets": {"ack_p99_ms": ACK_TARGET_MS, "answer_p95_ms": ANSWER_TARGET_MS},
        "results": summaries,
    }
    print(f"\nJSON: {write_results(f'slack-{args.db}', payload)}")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _verdict(s: dict) -> str:
    ack = s["ack_p99_ms"] is not None and s["ack_p99_ms"] < ACK_TARGET_MS
    answer = s["answer_p95_ms"] is not None and s["answer_p95_ms"] < ANSWER_TARGET_MS
    failed = s["errors"] + s["timeouts"] > 0
    answer = answer and not failed
    return f"ack {'met' if ack else 'MISSED'}, answer {'met' if answer else 'MISSED'}"


if __name__ == "__main__":
    main()
