"""Results guard for matcher speed work: dump `match(paste, limit=5)` (ids, scores rounded to
3 places, confident, distinct errors, code-only) for the corpus, both eval files, the
bench_matcher pastes and 300 prose pastes with catalog messages mixed in; compare two dumps.

    .venv/bin/python benchmarks/compare_matcher.py dump /tmp/before.json
    .venv/bin/python benchmarks/compare_matcher.py cmp /tmp/before.json /tmp/after.json
"""

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def cases():
    out = []
    for name, path in [
        ("corpus", str(ROOT / "tests" / "corpus" / "cases.jsonl")),
        ("dev", str(EVAL / "dev.jsonl")),
        ("hard", str(EVAL / "dev-hard.jsonl")),
    ]:
        for line in Path(path).read_text().splitlines():
            if line.strip():
                c = json.loads(line)
                out.append((f"{name}:{c['id']}", c["paste"]))
    import bench_matcher as b

    for i, p in enumerate(b.pastes()):
        out.append((f"bench:{i}", p))
    # extra stress: prose with catalog messages (some typo'd) mixed in, other seeds
    from bot.catalog import load_knowledge
    from bot.matching.normalize import normalize

    cat = load_knowledge()
    rng = random.Random(99)
    vocab = sorted({w for e in cat for w in normalize(e.cause).split()})
    msgs = [m for e in cat for m in (e.message, *e.aliases)]
    for i in range(300):
        lines = [
            " ".join(rng.choice(vocab) for _ in range(rng.randint(3, 14)))
            for _ in range(rng.randint(5, 60))
        ]
        for _ in range(rng.randint(0, 3)):
            m = rng.choice(msgs)
            if rng.random() < 0.5 and len(m) > 5:
                j = rng.randrange(len(m))
                m = m[:j] + m[j + 1 :]
            if rng.random() < 0.5:
                m = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 4))) + " " + m
            lines.insert(rng.randrange(len(lines) + 1), m)
        out.append((f"mix:{i}", "\n".join(lines)[:4096]))
    return out


def dump(path):
    from bot.catalog import load_knowledge
    from bot.matching.matcher import Matcher

    m = Matcher(load_knowledge())
    res = {}
    for cid, paste in cases():
        r = m.match(paste, limit=5)
        res[cid] = {
            "m": [[x.entry_id, round(x.score, 3)] for x in r.matches],
            "c": r.confident,
            "d": [x.entry_id for x in r.distinct_errors],
            "o": r.code_only,
        }
    Path(path).write_text(json.dumps(res))
    print(len(res), "cases dumped")


def cmp(a, b):
    A, B = json.loads(Path(a).read_text()), json.loads(Path(b).read_text())
    top1 = conf = dist = rest = scores = 0
    for k in A:
        x, y = A[k], B[k]
        t1 = (x["m"][:1] and x["m"][0][0]) != (y["m"][:1] and y["m"][0][0])
        if t1 or x["c"] != y["c"] or x["o"] != y["o"]:
            top1 += t1
            conf += x["c"] != y["c"]
            print("TOP1/CONF", k, x, y)
        if x["d"] != y["d"]:
            dist += 1
            print("DISTINCT", k, x["d"], y["d"])
        if [i for i, _ in x["m"]] != [i for i, _ in y["m"]]:
            rest += 1
            print("RANK", k, x["m"], y["m"])
        elif x["m"] != y["m"]:
            scores += 1
            print("SCORE", k, x["m"], y["m"])
    print(
        f"cases={len(A)} top1_diff={top1} confident_diff={conf} distinct_diff={dist} "
        f"ranked_ids_diff={rest} score_only_diff={scores}"
    )


if __name__ == "__main__":
    dump(sys.argv[2]) if sys.argv[1] == "dump" else cmp(sys.argv[2], sys.argv[3])
