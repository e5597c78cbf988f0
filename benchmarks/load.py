"""Bounded, loopback-only load on `tykbot serve`: signed slash commands and message events at
fixed rates, against the fake Slack of the tests. Prints throughput, p50/p99 ack latency,
errors, reply delay (event sent -> chat.postMessage seen by the fake) and peak memory (VmHWM).

    .venv/bin/python benchmarks/load.py [--seconds 20] [--rate 40] [--pg postgresql://...]

One process on SQLite, then (with --pg) two replicas on that PostgreSQL database. Every loop
is bounded in count and time; only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.slack.fake_slack import FakeSlack  # noqa: E402
from tests.slack.harness import http, message_event, sign  # noqa: E402
from tests.slack.test_serve import env_for, wait_healthy  # noqa: E402

PASTE = '{"error": "Key not authorised"}'
MAX_REQUESTS = 20_000  # a hard bound whatever the rate and duration


class TimedSlack(FakeSlack):
    """The fake Slack, noting when each thread's first reply arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}

    def _respond(self, method: str, args: dict, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        if method == "chat.postMessage":
            self.arrived.setdefault(str(args.get("thread_ts")), time.monotonic())
        return super()._respond(method, args, headers)


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def scenario(name: str, database_url: str, replicas: int, seconds: float, rate: float) -> None:
    fake = TimedSlack()
    fake.start()
    tmp = Path(tempfile.mkdtemp(prefix="tykbot-load-"))
    procs, ports = [], []
    try:
        for i in range(replicas):
            env = env_for(database_url, fake, TYKBOT_LOG_LEVEL="WARNING")
            log = (tmp / f"serve{i}.log").open("wb")
            exe = Path(sys.executable).with_name("tykbot")
            procs.append(
                subprocess.Popen(
                    [str(exe), "serve"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT
                )
            )
            ports.append(env["PORT"])
            wait_healthy(env["PORT"], procs[-1], tmp)  # one after the other: setup lock
        acks: list[float] = []
        errors = 0
        sent_at: dict[str, float] = {}
        lock = threading.Lock()

        def one(i: int) -> None:
            nonlocal errors
            port = ports[i % len(ports)]
            url = f"http://127.0.0.1:{port}/slack/events"
            if i % 2:  # a message event in a channel: answered in a thread later
                event = message_event(PASTE, channel="CLOAD", user="ULOAD")
                raw = json.dumps(
                    {"type": "event_callback", "event_id": f"EvLoad{i}", "team_id": "T0001",
                     "event": event}
                )  # fmt: skip
                headers = {"Content-Type": "application/json", **sign(raw)}
                with lock:
                    sent_at[event["ts"]] = time.monotonic()
            else:  # a slash command: answered in the HTTP response
                raw = urlencode(
                    {"command": "/tykerror", "text": PASTE, "user_id": "ULOAD",
                     "channel_id": "CLOAD", "team_id": "T0001",
                     "response_url": fake.response_url()}
                )  # fmt: skip
                headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(raw)}
            started = time.monotonic()
            try:
                status = http(url, raw.encode(), headers).status
            except OSError:
                status = 0
            took = time.monotonic() - started
            with lock:
                acks.append(took)
                if status != 200:
                    errors += 1

        total = min(int(seconds * rate), MAX_REQUESTS)
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=64) as pool:
            for i in range(total):  # fixed rate: request i leaves at i / rate
                delay = began + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, i)
        elapsed = time.monotonic() - began
        events = len(sent_at)
        fake.wait_until(lambda: len(fake.of("chat.postMessage")) >= events, timeout=30)
        seen = dict(fake.arrived)
        delays = [seen[ts] - sent_at[ts] for ts in seen if ts in sent_at]
        peaks = [peak_kib(p.pid) for p in procs]
        print(
            f"{name}: {total} requests in {elapsed:.1f}s = {total / elapsed:.0f}/s | "
            f"ack p50 {pct(acks, 0.5) * 1000:.0f} ms p99 {pct(acks, 0.99) * 1000:.0f} ms | "
            f"errors {errors} | replies {len(seen)}/{events} | reply delay p50 "
            f"{pct(delays, 0.5) * 1000:.0f} ms p99 {pct(delays, 0.99) * 1000:.0f} ms | "
            f"peak RSS {', '.join(f'{k / 1024:.0f} MiB' for k in peaks)}"
        )
        sys.stdout.flush()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=40.0, help="requests per second in all")
    parser.add_argument("--pg", default="", help="a PostgreSQL URL for the two-replica run")
    args = parser.parse_args()
    seconds = min(args.seconds, 120.0)
    with tempfile.TemporaryDirectory() as tmp:
        scenario("1 process, SQLite", f"sqlite:///{tmp}/load.db", 1, seconds, args.rate)
    if args.pg:
        scenario("2 replicas, PostgreSQL", args.pg, 2, seconds, args.rate)


if __name__ == "__main__":
    main()
