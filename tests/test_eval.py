"""Every case of the shared dev eval through `tykbot ask --jsonl`, held to the project targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import SHARED

EVAL = SHARED / "eval" / "dev.jsonl"


@pytest.mark.skipif(not EVAL.exists(), reason="shared eval not present")
def test_dev_eval_meets_the_targets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cases = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line]
    feed = "".join(json.dumps({"id": c["id"], "text": c["paste"]}) + "\n" for c in cases)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'eval.db'}"}
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--jsonl"],
        input=feed,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    got = {o["id"]: o for o in map(json.loads, run.stdout.splitlines())}
    assert set(got) == {c["id"] for c in cases}
    positives = [c for c in cases if c["expect"]]
    negatives = [c for c in cases if not c["expect"]]

    def top(c: dict) -> list:  # type: ignore[type-arg]
        m = got[c["id"]]["matches"]
        return [m[0]["code"], m[0]["message"]] if m else []

    top1 = sum(top(c) in c["expect"] for c in positives) / len(positives)
    wrong = sum(got[c["id"]]["confident"] and top(c) not in c["expect"] for c in positives)
    silent = sum(not got[c["id"]]["confident"] for c in negatives) / len(negatives)
    assert top1 >= 0.95
    assert silent >= 0.97
    assert wrong / len(positives) <= 0.02
