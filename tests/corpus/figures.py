"""The eval figures (top1, silent, auto_recall, auto_wrong) of the matcher on corpus cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.matching.matcher import Matcher

CASES = Path(__file__).with_name("cases.jsonl")


def load(split: str | None = None) -> list[dict[str, Any]]:
    """The corpus cases, optionally only one split ("fit" or "validation")."""
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line]
    return [c for c in cases if split is None or c["split"] == split]


def figures(
    matcher: Matcher, cases: list[dict[str, Any]], misses: list[str] | None = None
) -> dict[str, float]:
    """Score cases like `../shared/eval/score.py`; append a line per miss to `misses`."""
    pos = neg = top1 = recall = wrong = silent = 0
    for c in cases:
        result = matcher.match(c["paste"])
        best = [result.matches[0].code, result.matches[0].message] if result.matches else None
        if c["expect"]:
            pos += 1
            ok = best in c["expect"]
            top1 += ok
            recall += result.confident and ok
            wrong += result.confident and not ok
        else:
            neg += 1
            ok = not result.confident
            silent += ok
        if misses is not None and not ok:
            misses.append(f"{c['id']} expect={c['expect']} got={best} confident={result.confident}")
    return {
        "top1": top1 / max(pos, 1),
        "silent": silent / max(neg, 1),
        "auto_recall": recall / max(pos, 1),
        "auto_wrong": wrong / max(pos, 1),
        "n": float(len(cases)),
    }
