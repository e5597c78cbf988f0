"""The matcher refresh that follows new votes: how much CPU it costs a process when the vote
history is long. Every process refreshes at most every TYKBOT_CATALOG_POLL_SECONDS while votes
arrive, in a background thread that shares the interpreter with the answers.

    .venv/bin/python benchmarks/bench_priors.py [--votes 200 2000 10000] [--pg URL]

For each history size: votes spread over 90 days and over the catalog, a first (full) refresh,
then a refresh after 5 new votes; prints the CPU of each. Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import timedelta

from sqlalchemy import text

from bot.config import Settings
from bot.service import Service
from bot.store.models import QueryLog, Vote
from bot.store.repository import utcnow


def history(service: Service, votes: int, seed: int = 3) -> list[int]:
    """`votes` votes by 3,000 people on 300 answers spread over the catalog and 90 days; the
    answers' query ids."""
    rng = random.Random(seed)
    ids = [e.id for e in service.matcher().entries]
    now = utcnow()
    with service.session() as s:
        queries = [
            QueryLog(text="bench", source="cli", match_ids=[rng.choice(ids)]) for _ in range(300)
        ]
        s.add_all(queries)
        s.flush()
        rows = [
            Vote(
                query_id=q.id,
                entry_id=q.match_ids[0],
                user_id=f"U{n}",
                helpful=rng.random() < 0.7,
                created_at=now,
                updated_at=now - timedelta(days=rng.uniform(0, 90)),
            )
            for n in range(votes)
            for q in [queries[n % len(queries)]]
        ]
        s.add_all(rows)
        return [q.id for q in queries]


def cpu_ms(work: object) -> float:
    start = time.thread_time()
    work()  # type: ignore[operator]
    return (time.thread_time() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, nargs="+", default=[200, 2000, 10000])
    parser.add_argument(
        "--pg", help="a private PostgreSQL database URL (emptied) instead of SQLite"
    )
    args = parser.parse_args()
    for count in args.votes:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.pg or f"sqlite:///{tmp}/priors.db"
            service = Service.open(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
            with service.session() as s:
                s.execute(text("DELETE FROM votes"))
            queries = history(service, count)
            first = cpu_ms(service.refresh)
            for n in range(5):
                service.vote(queries[n], service.matcher().entries[n].id, f"UNEW{n}", True)
            after = cpu_ms(service.refresh)
            print(
                f"{count:>6} votes: first refresh {first:7.1f} ms CPU, "
                f"after 5 new votes {after:6.1f} ms CPU"
            )
            service.engine.dispose()


if __name__ == "__main__":
    main()
