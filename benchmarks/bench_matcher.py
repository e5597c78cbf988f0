"""Matcher speed: per-paste latency on the real catalog and a generated 10,000-entry one,
`tykbot ask --jsonl` throughput, and `tykbot ask` cold start.

    .venv/bin/python benchmarks/bench_matcher.py [--rounds 5]

Prints figures; asserts nothing (targets: p99 <= 2 ms real, <= 20 ms on 10k, cold start < 1 s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bot.catalog import Entry, load_knowledge
from bot.matching.matcher import Matcher
from bot.matching.normalize import normalize, tokens

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"


CORPUS = ROOT / "tests" / "corpus" / "cases.jsonl"


def paste_kinds() -> dict[str, list[str]]:
    """The benchmark's pastes by kind: the eval's own, curl transcripts and several pastes in
    one message (both 4 KB), and 4 KB of prose in the catalog's own words (the worst case)."""
    kinds: dict[str, list[str]] = {"eval pastes": []}
    if EVAL.exists():
        kinds["eval pastes"] = [
            json.loads(line)["paste"] for line in EVAL.read_text().splitlines() if line
        ]
    rng = random.Random(7)
    catalog = load_knowledge()
    kinds["curl -v, 4 KB"] = []
    for _ in range(100):
        e = rng.choice(catalog)
        headers = "".join(f"< X-Header-{i}: {rng.getrandbits(64):x}\n" for i in range(70))
        body = f'{{\n    "error": "{e.message}"\n}}'
        log = "".join(
            f'time="2026-07-14T09:12:{i:02d}Z" level=info message="request served" '
            f"api_id={rng.getrandbits(128):032x} path=/x/{i}\n"
            for i in range(20)
        )
        paste = f"$ curl -v https://gw/x\n< HTTP/1.1 {e.code} X\n{headers}<\n{body}\n{log}"
        kinds["curl -v, 4 KB"].append(paste[:4096])
    vocab = sorted({w for e in catalog for w in normalize(e.cause).split()})
    kinds["prose of catalog words, 4 KB"] = []
    for _ in range(50):  # worst case: 4 KB of varied prose in the catalog's own words
        lines = [" ".join(rng.choice(vocab) for _ in range(rng.randint(5, 14))) for _ in range(60)]
        kinds["prose of catalog words, 4 KB"].append("\n".join(lines)[:4096])
    # Several pastes in one message: the labelled corpus's pastes joined until 4 KB.
    corpus = [json.loads(line)["paste"] for line in CORPUS.read_text().splitlines() if line]
    several = random.Random(3)
    kinds["several pastes, 4 KB"] = []
    for _ in range(50):
        joined = ""
        while len(joined) < 4096:
            joined += several.choice(corpus) + "\n\n"
        kinds["several pastes, 4 KB"].append(joined[:4096])
    return kinds


def pastes() -> list[str]:
    """Every benchmark paste (paste_kinds), kind after kind."""
    return [paste for kind in paste_kinds().values() for paste in kind]


def long_log(lines: int, seed: int) -> str:
    """A start-up and access log of `lines` lines with one proxy error somewhere inside."""
    rng = random.Random(seed)
    out = [
        f'time="2026-03-02T09:{i // 600 % 60:02d}:{i // 10 % 60:02d}Z" level=info '
        f'api_id={rng.getrandbits(128):032x} api_key="****{rng.getrandbits(16):04x}" '
        f"client_ip=10.60.{i % 256}.{rng.randint(1, 254)} latency_total={rng.randint(5, 90)} "
        f"method=GET path=/geo/v2/postcode/{rng.getrandbits(24):x} prefix=access-log status=200"
        for i in range(lines - 1)
    ]
    out.insert(
        rng.randrange(lines),
        'time="2026-03-02T09:11:03Z" level=error message="http: proxy error: dial tcp '
        '10.20.4.17:8443: connect: connection refused" mw=ReverseProxy prefix=proxy',
    )
    return "\n".join(out)


def big_catalog(n: int) -> list[Entry]:
    """The real catalog plus generated entries made of its own vocabulary."""
    real = load_knowledge()
    vocab = sorted({w for e in real for w in tokens(normalize(e.message + " " + e.cause))})
    rng = random.Random(11)
    fake = []
    for i in range(n - len(real)):
        words = " ".join(rng.choice(vocab) for _ in range(rng.randint(3, 9)))
        fake.append(
            Entry(
                id=f"gen-{i}",
                code=rng.choice([400, 401, 403, 404, 500]),
                message=words.capitalize(),
                aliases=tuple(" ".join(rng.choice(vocab) for _ in range(5)) for _ in range(2)),
            )
        )
    return real + [replace(e, status="active") for e in fake]


def latency(matcher: Matcher, texts: list[str], rounds: int) -> tuple[float, ...]:
    """Median, p99 and max wall-clock ms per paste, then the median and p99 of the CPU time the
    matching thread used: on a shared machine the wall clock also counts other processes' turns.
    """
    walls, cpus = [], []
    for _ in range(rounds):
        for text in texts:
            start, cpu = time.perf_counter(), time.thread_time()
            matcher.match(text)
            cpus.append((time.thread_time() - cpu) * 1000)
            walls.append((time.perf_counter() - start) * 1000)
    walls.sort()
    cpus.sort()
    p99 = int(len(walls) * 0.99) - 1
    return statistics.median(walls), walls[p99], walls[-1], statistics.median(cpus), cpus[p99]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size", type=int, default=10_000)
    args = ap.parse_args()
    kinds = paste_kinds()
    texts = [paste for kind in kinds.values() for paste in kind]
    print(f"pastes: {len(texts)} (max {max(map(len, texts))} chars), rounds: {args.rounds}")

    start = time.perf_counter()
    real = Matcher(load_knowledge())
    print(
        f"real catalog: {len(real.entries)} entries, {len(real.texts)} texts, "
        f"built in {(time.perf_counter() - start) * 1000:.1f} ms"
    )
    med, p99, worst, cpu_med, cpu_p99 = latency(real, texts, args.rounds)
    print(
        f"  per paste: median {med:.3f} ms  p99 {p99:.3f} ms  max {worst:.3f} ms"
        f"  (CPU: median {cpu_med:.3f} ms  p99 {cpu_p99:.3f} ms)"
    )
    for kind, kind_texts in kinds.items():
        med, p99, worst, _, _ = latency(real, kind_texts, args.rounds)
        print(f"    {kind + ':':<30} median {med:.3f} ms  p99 {p99:.3f} ms  max {worst:.3f} ms")
    logs = [long_log(10_000, seed) for seed in range(3)]
    med, p99, worst, cpu_med, cpu_p99 = latency(real, logs, args.rounds)
    print(
        f"  10,000-line gateway log: median {med:.1f} ms  max {worst:.1f} ms (target < 200 ms)"
        f"  (CPU: median {cpu_med:.1f} ms)"
    )

    start = time.perf_counter()
    big = Matcher(big_catalog(args.size))
    print(
        f"generated catalog: {len(big.entries)} entries, {len(big.texts)} texts, "
        f"built in {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    med, p99, worst, cpu_med, cpu_p99 = latency(big, texts, args.rounds)
    print(
        f"  per paste: median {med:.3f} ms  p99 {p99:.3f} ms  max {worst:.3f} ms"
        f"  (CPU: median {cpu_med:.3f} ms  p99 {cpu_p99:.3f} ms)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
        cmd = [sys.executable, "-m", "bot.cli", "ask"]
        subprocess.run([*cmd, "warm up the database"], env=env, capture_output=True, check=True)
        colds = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(
                [*cmd, '{"error": "Key not authorised"}'], env=env, capture_output=True, check=True
            )
            colds.append(time.perf_counter() - start)
        print(
            f"tykbot ask cold start: median {statistics.median(colds) * 1000:.0f} ms "
            f"(max {max(colds) * 1000:.0f} ms)"
        )
        feed = "".join(
            json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts * 3)
        )
        start = time.perf_counter()
        subprocess.run(
            [*cmd, "--jsonl"], input=feed, env=env, capture_output=True, text=True, check=True
        )
        took = time.perf_counter() - start
        lines = len(texts) * 3
        print(
            f"tykbot ask --jsonl: {lines} pastes in {took:.2f} s = {lines / took:.0f} pastes/s "
            "(each logged to SQLite)"
        )


if __name__ == "__main__":
    main()
