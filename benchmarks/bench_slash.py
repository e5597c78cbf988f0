"""Slash command round trip: signed HTTP request to answer, tykbot vs a bare Bolt app.

Both run under the same gunicorn settings (`bot.slack.serve.gunicorn_options`: gthread, one
worker process) on this machine, against a local stand-in for Slack's `auth.test`. The client
sends signed `/tykerror` requests one at a time over a kept-alive connection and times each
until the full answer is read. tykbot matches the paste, logs the query to SQLite and renders
Block Kit; the bare app acks one trivial command with "ok". Prints median and p99 of both.
Then tykbot again while a burst of `--vote-burst` *Helped* / *Wrong error?* clicks from as many
people arrives on other connections: votes only swap priors, so slash p99 should not move.
The stand-in for Slack and the burst of clicks run in processes of their own, so the timing
client shares its interpreter with neither (as with the real Slack, they come from elsewhere).

    .venv/bin/python benchmarks/bench_slash.py [--requests 2000] [--paste TEXT]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

SECRET = "8f742231b10e8888abcd99eeefff85a5"
TOKEN = "xoxb-1-2-bench"
COMMANDS_PATH = "/slack/commands"  # where a split deployment routes slash commands
PASTES = [
    '{"error": "Key not authorised"}',
    "HTTP/1.1 429 Too Many Requests\nContent-Type: application/json\n\n"
    '{"error": "Rate limit exceeded"}',
    'time="2024-05-01T10:00:00Z" level=error msg="Key not authorized: token has expired" '
    "api_id=abc mw=AuthKey origin=10.0.0.1 path=/orders",
]


# -- a stand-in for Slack (auth.test only) -------------------------------------------------------
class _FakeSlack(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": "T1",
                "user": "tykbot",
                "team": "Bench",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the bare Bolt app, served exactly like tykbot ----------------------------------------------
def serve_bare(process_before_response: bool) -> None:
    """Run a Bolt app with one trivial command under tykbot's gunicorn settings."""
    from slack_bolt import Ack, App
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from bot.config import Settings
    from bot.slack.client import make_client
    from bot.slack.serve import GunicornServer, gunicorn_options

    settings = Settings()
    app = App(
        client=make_client(settings),
        signing_secret=settings.slack_signing_secret,
        process_before_response=process_before_response,
    )

    @app.command("/tykerror")
    def trivial(ack: Ack) -> None:
        ack("ok")

    GunicornServer(SlackRequestHandler(app), gunicorn_options(settings, host="127.0.0.1")).run()


# -- the client -------------------------------------------------------------------------------
def signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }


def wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def vote_burst(port: int, votes: int, fake_url: str) -> None:
    """`votes` clicks from as many people on the answers logged during the warm-up (4 at once)."""
    started = time.perf_counter()

    def clicks(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(offset, votes, 4):
            helped = n % 3 != 0
            value = {"q": 1 + n % 150, "e": "400-key-not-authorized", "s": "private"}
            payload = {
                "type": "block_actions",
                "user": {"id": f"UVOTER{n}", "team_id": "T1"},
                "team": {"id": "T1"},
                "api_app_id": "A1",
                "channel": {"id": "CBENCH"},
                "container": {"type": "message", "is_ephemeral": True},
                "response_url": fake_url,
                "actions": [
                    {
                        "type": "button",
                        "action_id": "tyk_helped" if helped else "tyk_wrong",
                        "block_id": "tyk_feedback",
                        "value": json.dumps(value),
                        "action_ts": "1",
                    }
                ],
            }
            body = urlencode({"payload": json.dumps(payload)})
            conn.request("POST", "/slack/events", body=body.encode(), headers=signed(body))
            conn.getresponse().read()
        conn.close()

    workers = [threading.Thread(target=clicks, args=(i,)) for i in range(4)]
    began = time.time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(f"{votes} clicks took {time.perf_counter() - started:.2f} s", flush=True)
    print(f"window {began:.6f} {time.time():.6f}", flush=True)


def busy_loop(seconds: float) -> None:
    """Spin on the CPU for `seconds` (the control for a burst: its CPU time, no votes)."""
    started, began = time.perf_counter(), time.time()
    while time.perf_counter() - started < seconds:
        pass
    print(f"busy loop for {seconds:.2f} s", flush=True)
    print(f"window {began:.6f} {time.time():.6f}", flush=True)


def slack_side() -> None:
    """Slack's side (its stand-in, the people clicking) runs on Slack's machines, not beside
    tykbot: on a small benchmark machine it yields the CPU to tykbot and the timing client."""
    background_cpus()
    if os.environ.get("BENCH_SLACK_NICE", "1") != "0":
        os.nice(19)


# A split deployment runs its other processes on CPUs (pods, machines) of their own. On a
# benchmark machine with two or more CPUs, `--split` models that by pinning the `all` process,
# the clicks and the stand-in for Slack to the last CPU (on PostgreSQL, the backends serving
# the `all` process too); the commands process, its backends and the timing client are not
# pinned (they may run on every CPU, that one included).
BACKGROUND_CPUS = "BENCH_BACKGROUND_CPUS"  # set by main when pinning: "1" or "1,2,3"
FOREGROUND_CPUS = "BENCH_FOREGROUND_CPUS"  # with --own-cpus: the commands side's CPUs ("0")


def can_pin() -> bool:
    """Whether this machine has CPUs to pin a split deployment to (and BENCH_PIN is not 0)."""
    return (
        hasattr(os, "sched_setaffinity")
        and len(os.sched_getaffinity(0)) >= 2
        and os.environ.get("BENCH_PIN", "1") != "0"
    )


def cpu_set(variable: str) -> set[int]:
    """The CPUs an environment variable lists ("0" or "1,2,3"); empty when unset."""
    return {int(cpu) for cpu in os.environ.get(variable, "").split(",") if cpu}


def background_cpus() -> None:
    """In a pinned split run: keep this process off the commands process's CPU."""
    if cpus := cpu_set(BACKGROUND_CPUS):
        os.sched_setaffinity(0, cpus)


def foreground_cpus() -> None:
    """With --own-cpus: keep this process (the commands side) off the background CPUs."""
    if cpus := cpu_set(FOREGROUND_CPUS):
        os.sched_setaffinity(0, cpus)


ALL_APPLICATION = "tykbot-all"  # the PostgreSQL application_name of the `all` process
COMMANDS_APPLICATION = "tykbot-commands"  # and of the commands process (with --own-cpus)


class PinDatabaseWork:
    """In a pinned split run on PostgreSQL: keep moving the database backends that serve the
    `all` process (found by application_name) to the background CPUs, so the database work the
    clicks cause is off the commands process's CPU too, as on a database server of its own.
    The commands process's own backends are pinned to the foreground CPUs with --own-cpus."""

    def __init__(self, url: str) -> None:
        from bot.store.database import make_engine

        self.engine = make_engine(url)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PinDatabaseWork:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.engine.dispose()

    def _run(self) -> None:
        from sqlalchemy import text

        where = {
            ALL_APPLICATION: cpu_set(BACKGROUND_CPUS),
            COMMANDS_APPLICATION: cpu_set(FOREGROUND_CPUS),
        }
        query = text("SELECT pid, application_name FROM pg_stat_activity")
        pinned: set[int] = set()
        while not self.stop.wait(0.05):
            with self.engine.connect() as conn:
                found = {(int(pid), name) for pid, name in conn.execute(query)}
            for pid, name in found:
                if pid in pinned or not where.get(name):
                    continue
                try:
                    os.sched_setaffinity(pid, where[name])
                    pinned.add(pid)
                except OSError:
                    pass  # gone already


def with_application_name(url: str, name: str) -> str:
    """A PostgreSQL URL whose connections carry this application_name."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def serve_fake_slack(port: int) -> None:
    """The stand-in for Slack, in a process of its own."""
    ThreadingHTTPServer(("127.0.0.1", port), _FakeSlack).serve_forever()


def measure(
    port: int,
    pastes: list[str],
    requests: int,
    warmup: int,
    after_warmup: Callable[[], object] | None = None,
    path: str = "/slack/events",
    starts: list[float] | None = None,
) -> tuple[list[float], str]:
    """Send the slash commands one at a time; the seconds each measured one took (and, into
    `starts`, the wall-clock time each was sent, to compare with another process's window)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings: list[float] = []
    sample = ""
    for i in range(warmup + requests):
        if i == warmup and after_warmup is not None:
            after_warmup()
        body = urlencode(
            {
                "command": "/tykerror",
                "text": pastes[i % len(pastes)],
                "user_id": "UBENCH",
                "channel_id": "CBENCH",
                "team_id": "T1",
                "response_url": "http://127.0.0.1:9/unused",
                "trigger_id": "t",
            }
        )
        headers = signed(body)
        if starts is not None and i >= warmup:
            starts.append(time.time())
        start = time.perf_counter()
        conn.request("POST", path, body=body.encode(), headers=headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"HTTP {response.status}: {data[:200]!r}")
        if i >= warmup:
            timings.append(elapsed)
        sample = data.decode()
    conn.close()
    return timings, sample


def in_window(timings: list[float], starts: list[float], begin: float, end: float) -> list[float]:
    """The timings of the requests under way at some moment between `begin` and `end`."""
    return [
        took
        for took, start in zip(timings, starts, strict=True)
        if start <= end and start + took >= begin
    ]


def p99_interval(values: list[float], rounds: int = 1000) -> tuple[float, float]:
    """A 95 % bootstrap interval of the p99 of `values` (resampled with replacement)."""
    rng = random.Random(5)
    p99s = sorted(percentile(rng.choices(values, k=len(values)), 0.99) for _ in range(rounds))
    return p99s[round(0.025 * (rounds - 1))], p99s[round(0.975 * (rounds - 1))]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(
    label: str,
    command: list[str],
    env: dict[str, str],
    pastes: list[str],
    requests: int,
    warmup: int,
    votes: int = 0,
    split: bool = False,
    burn: float = 0.0,
    took: list[float] | None = None,
    during: list[float] | None = None,
) -> tuple[float, float]:
    port = int(env["PORT"])
    keep = os.environ.get("BENCH_SERVER_LOG")
    with open(keep, "wb") if keep else tempfile.TemporaryFile() as log:
        servers: list[subprocess.Popen[bytes]] = []
        events_port = port
        pin_database = False
        if split:
            # The split deployment: slash commands to one process, the rest to another.
            events_port = free_port()
            events_env = {**env, "PORT": str(events_port), "TYKBOT_ROLE": "all"}
            pin_database = bool(os.environ.get(BACKGROUND_CPUS)) and env["DATABASE_URL"].startswith(
                "postgresql"
            )
            if pin_database:
                events_env["DATABASE_URL"] = with_application_name(
                    env["DATABASE_URL"], ALL_APPLICATION
                )
            servers.append(
                subprocess.Popen(
                    command,
                    env=events_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=background_cpus,
                )
            )
            env = {**env, "TYKBOT_ROLE": "commands"}
            if pin_database and cpu_set(FOREGROUND_CPUS):
                env["DATABASE_URL"] = with_application_name(
                    env["DATABASE_URL"], COMMANDS_APPLICATION
                )
        proc = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=foreground_cpus
        )
        servers.append(proc)
        voters: list[subprocess.Popen[str]] = []

        def start_burst() -> None:
            if burn:  # the control: as much CPU as a burst, where its work would run, no votes
                busy = [sys.executable, __file__, "--burn", str(burn)]
                voters.append(
                    subprocess.Popen(
                        busy, stdout=subprocess.PIPE, text=True, preexec_fn=background_cpus
                    )
                )
                return
            fake_url = env["SLACK_API_URL"].replace("/api/", "/response")
            burst = [sys.executable, __file__, "--burst", str(events_port), str(votes), fake_url]
            voters.append(
                subprocess.Popen(burst, stdout=subprocess.PIPE, text=True, preexec_fn=slack_side)
            )

        try:
            wait_up(port, proc)
            wait_up(events_port, servers[0])
            path = COMMANDS_PATH if split else "/slack/events"
            pinning = (
                PinDatabaseWork(env["DATABASE_URL"])
                if split and pin_database
                else contextlib.nullcontext()
            )
            starts: list[float] = []
            with pinning:
                timings, sample = measure(
                    port,
                    pastes,
                    requests,
                    warmup,
                    start_burst if votes or burn else None,
                    path,
                    starts,
                )
            for voter in voters:
                out, _ = voter.communicate(timeout=120)
                label = f"{label} ({out.splitlines()[0].strip()})"
                if took is not None and (m := re.search(r"clicks took ([\d.]+) s", out)):
                    took.append(float(m.group(1)))
                if during is not None and (w := re.search(r"window ([\d.]+) ([\d.]+)", out)):
                    during.extend(in_window(timings, starts, float(w.group(1)), float(w.group(2))))
            if during is not None and not voters:
                during.extend(timings)  # no burst: every request is the comparison
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.wait(timeout=15)
    median, p99 = statistics.median(timings) * 1000, percentile(timings, 0.99) * 1000
    answer = json.loads(sample).get("text", sample) if sample.startswith("{") else sample
    print(
        f"{label:<34} median {median:7.2f} ms   p99 {p99:7.2f} ms   "
        f"({len(timings)} requests; answer: {answer[:50]!r})"
    )
    return median, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--paste", action="append", help="paste(s) to send (default: three)")
    parser.add_argument("--vote-burst", type=int, default=200, help="votes during the last run")
    parser.add_argument(
        "--votes-only",
        type=int,
        metavar="N",
        default=0,
        help="only tykbot without and with the vote burst, N times alternately (medians)",
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a setting for tykbot"
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="slash commands to a TYKBOT_ROLE=commands process, clicks to another (--votes-only)",
    )
    parser.add_argument(
        "--own-cpus",
        action="store_true",
        help="with --split: the commands process, its database backends and the timing client "
        "on the CPUs the other side is not pinned to (a pod of its own)",
    )
    parser.add_argument("--pg", help="a private PostgreSQL database URL instead of SQLite")
    parser.add_argument("--bare-server", choices=["default", "sync"], help=argparse.SUPPRESS)
    parser.add_argument("--fake-slack", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--burst", nargs=3, metavar=("PORT", "N", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--burn", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--control",
        action="store_true",
        help="with --votes-only: a third series without votes but a busy loop on the CPU the "
        "clicks' work runs on, for as long as the last burst took (what any load there costs)",
    )
    args = parser.parse_args()
    if args.bare_server:
        serve_bare(process_before_response=args.bare_server == "sync")
        return
    if args.fake_slack:
        serve_fake_slack(args.fake_slack)
        return
    if args.burst:
        vote_burst(int(args.burst[0]), int(args.burst[1]), args.burst[2])
        return
    if args.burn:
        busy_loop(args.burn)
        return
    if args.split and can_pin():
        last = max(os.sched_getaffinity(0))
        os.environ[BACKGROUND_CPUS] = str(last)
        print(f"split: the all process, the clicks and Slack's stand-in pinned to CPU {last}")
        if args.own_cpus:
            rest = sorted(os.sched_getaffinity(0) - {last})
            os.environ[FOREGROUND_CPUS] = ",".join(map(str, rest))
            foreground_cpus()  # the timing client
            print(f"own CPUs: the commands process, its backends and the client on CPU {rest}")
    fake_port = free_port()
    fake = subprocess.Popen(
        [sys.executable, __file__, "--fake-slack", str(fake_port)], preexec_fn=slack_side
    )
    wait_up(fake_port, fake)
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TYKBOT_"))}
        ignored = sorted(k for k in os.environ if k.startswith("TYKBOT_"))
        if ignored:  # the servers get the bench's own settings; --set passes one on
            print(f"ignoring {', '.join(ignored)} from the environment (use --set KEY=VALUE)")
        env.update(
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=f"http://127.0.0.1:{fake_port}/api/",
            DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            TYKBOT_LOG_LEVEL="WARNING",
            PYTHONPATH=str(root),
        )
        env.update(dict(item.split("=", 1) for item in args.set))
        pastes = args.paste or PASTES
        tykbot = Path(sys.executable).with_name("tykbot")
        if args.votes_only:
            votes_only(args, env, tmp, pastes, tykbot)
            fake.terminate()
            return
        print(
            f"slash command round trip, {args.requests} signed requests each "
            f"after {args.warmup} warm-up, gunicorn gthread x1, {os.cpu_count()} CPUs"
        )
        ours = run(
            "tykbot /tykerror (match+log+blocks)",
            [str(tykbot), "serve"],
            {**env, "PORT": str(free_port())},
            pastes,
            args.requests,
            args.warmup,
        )
        bare = run(
            "bare Bolt, one trivial command",
            [sys.executable, __file__, "--bare-server", "default"],
            {**env, "PORT": str(free_port())},
            pastes,
            args.requests,
            args.warmup,
        )
        bare_sync = run(
            "bare Bolt, process_before_response",
            [sys.executable, __file__, "--bare-server", "sync"],
            {**env, "PORT": str(free_port())},
            pastes,
            args.requests,
            args.warmup,
        )
        if args.vote_burst:
            env_votes = {**env, "DATABASE_URL": f"sqlite:///{tmp}/bench-votes.db"}
            burst = run(
                f"tykbot /tykerror, {args.vote_burst} votes",
                [str(tykbot), "serve"],
                {**env_votes, "PORT": str(free_port())},
                pastes,
                args.requests,
                args.warmup,
                votes=args.vote_burst,
            )
            print(
                f"vote burst: slash p99 {burst[1]:.2f} ms with {args.vote_burst} votes vs "
                f"{ours[1]:.2f} ms without"
            )
    fake.terminate()
    for label, other in (("bare Bolt", bare), ("bare Bolt, process_before_response", bare_sync)):
        print(
            f"ratio tykbot / {label}: median {ours[0] / other[0]:.2f}x, "
            f"p99 {ours[1] / other[1]:.2f}x (target <= 1.5x)"
        )


def votes_only(
    args: argparse.Namespace, env: dict[str, str], tmp: str, pastes: list[str], tykbot: Path
) -> None:
    """tykbot without and with the vote burst, alternately, each on a fresh database.

    Per series, the median over its runs of each run's median and p99; then the p99 of the
    slash commands pooled over all runs (with a 95 % bootstrap interval): every one of a run
    without votes, and only those under way while the clicks (or the busy loop) went on in a
    run with them. A burst takes about a sixth of a run, so a whole run's p99 would water it
    down; the pooled window is what "p99 during a vote burst" means."""
    quiet: list[tuple[float, float]] = []
    burst: list[tuple[float, float]] = []
    control: list[tuple[float, float]] = []
    pooled: dict[int, list[float]] = {0: [], args.vote_burst: [], -1: []}
    took: list[float] = []  # how long each burst took (the control burns as long)
    series = [(0, quiet), (args.vote_burst, burst)] + ([(-1, control)] if args.control else [])
    for n in range(args.votes_only):
        for votes, into in series:
            url = args.pg or f"sqlite:///{tmp}/bench-{n}-{votes}.db"
            if args.pg:
                reset_pg(args.pg)
            burn = took[-1] if votes < 0 and took else 0.0
            label = f"run {n + 1}: /tykerror, " + (
                f"busy {burn:.2f} s" if burn else f"{votes} votes"
            )
            into.append(
                run(
                    label,
                    [str(tykbot), "serve"],
                    {**env, "DATABASE_URL": url, "PORT": str(free_port())},
                    pastes,
                    args.requests,
                    args.warmup,
                    votes=max(votes, 0),
                    split=args.split,
                    burn=burn,
                    took=took,
                    during=pooled[votes],
                )
            )
    named = [("without votes", quiet), (f"{args.vote_burst} votes", burst)]
    for label, runs in named + ([("busy loop", control)] if args.control else []):
        medians = sorted(m for m, _ in runs)
        p99s = sorted(p for _, p in runs)
        print(
            f"{label:<14} median of {len(runs)} runs: median {statistics.median(medians):.2f} ms,"
            f" p99 {statistics.median(p99s):.2f} ms (p99s: {', '.join(f'{p:.1f}' for p in p99s)})"
        )
    windows = [
        ("without votes", pooled[0], "every request"),
        (f"{args.vote_burst} votes", pooled[args.vote_burst], "during the clicks"),
    ] + ([("busy loop", pooled[-1], "during the busy loop")] if args.control else [])
    for label, timings, which in windows:
        low, high = p99_interval(timings)
        print(
            f"{label:<14} pooled p99 {percentile(timings, 0.99) * 1000:.2f} ms "
            f"(95 % interval {low * 1000:.2f}-{high * 1000:.2f} ms; {len(timings)} requests, "
            f"{which})"
        )


def reset_pg(url: str) -> None:
    """Drop every table of the private benchmark database (each run starts empty)."""
    from sqlalchemy import text

    from bot.store.database import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    main()
