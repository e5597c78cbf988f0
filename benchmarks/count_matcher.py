"""Instructions the matcher executes on the long benchmark pastes, counted by valgrind's
callgrind: repeatable whatever else the machine runs (wall-clock timings on a shared 2-core
machine vary by 40 %), for comparing two versions of the matcher's code.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/count_matcher.py [--rounds 1] [--stage all|extract|match]

Run it with --rounds 0 as well: the difference is the cost of matching alone (start-up,
imports and the index build are the same in both). Prints nothing useful itself; callgrind's
"Collected" line is the figure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_matcher import paste_kinds

from bot.catalog import load_knowledge
from bot.matching.extract import extract
from bot.matching.matcher import Matcher

LONG_KINDS = ("several pastes, 4 KB", "prose of catalog words, 4 KB", "curl -v, 4 KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--stage", choices=["all", "extract", "match"], default="all")
    args = parser.parse_args()
    matcher = Matcher(load_knowledge())
    kinds = paste_kinds()
    texts = [paste for kind in LONG_KINDS for paste in kinds[kind]]
    clues = [extract(text) for text in texts] if args.stage == "match" else []
    for _ in range(args.rounds):
        if args.stage == "extract":
            for text in texts:
                extract(text)
        elif args.stage == "match":
            for clue in clues:
                matcher.match_clues(clue)
        else:
            for text in texts:
                matcher.match(text)


if __name__ == "__main__":
    main()
