"""Adversarial pastes at Slack's maximum (40,000 characters) through the whole answer path:
redaction, extraction, values and the matcher (`Service.explain`, not logged).

    .venv/bin/python benchmarks/bench_adversarial.py [--cases 300]

Prints the slowest cases and the p50/p99/max; asserts nothing (target: max < 200 ms).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.service import Service
from tests.matching.test_linear import FRAGMENTS, SIZE


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, database_url=f"sqlite:///{folder}/b.db")  # type: ignore[call-arg]
        service = Service.open(settings)
        rng = random.Random(7)
        pairs = [a + b for a, b in itertools.product(FRAGMENTS, FRAGMENTS)]
        mixed = ["".join(rng.choice(FRAGMENTS) for _ in range(6)) for _ in range(args.cases)]
        cases = FRAGMENTS + rng.sample(pairs, min(args.cases, len(pairs))) + mixed
        timings: list[tuple[float, str]] = []
        for unit in cases:
            text = (unit * (SIZE // len(unit) + 1))[:SIZE]
            if not text.strip():
                continue
            start = time.perf_counter()
            service.explain(text, log=False)
            timings.append((time.perf_counter() - start, unit))
        service.engine.dispose()
    seconds = sorted(t for t, _ in timings)
    print(f"{len(seconds)} adversarial pastes of {SIZE:,} characters")
    print(
        f"p50 {statistics.median(seconds) * 1000:.0f} ms · "
        f"p99 {seconds[int(len(seconds) * 0.99) - 1] * 1000:.0f} ms · "
        f"max {seconds[-1] * 1000:.0f} ms"
    )
    for took, unit in sorted(timings, reverse=True)[:5]:
        print(f"  {took * 1000:6.0f} ms  {unit[:40]!r}")


if __name__ == "__main__":
    main()
