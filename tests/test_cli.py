"""`tykbot` as a person and a script use it: real subprocesses on a real database."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

TYKBOT = [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def run(database_url: str):  # type: ignore[no-untyped-def]
    def _run(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": database_url}
        data = stdin.decode("latin-1") if isinstance(stdin, bytes) else stdin
        return subprocess.run(
            [*TYKBOT, *args], input=data, capture_output=True, text=True, env=env, timeout=120
        )

    return _run


def test_ask_plain_shows_the_card_and_details_on_request(run) -> None:  # type: ignore[no-untyped-def]
    out = run("ask", '{"error": "Key not authorised"}')
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    # The gateway sends this text with 403 (the docs' 400 is wrong), in its own spelling.
    assert lines[0].startswith("403 Key not authorized")
    assert len(lines) <= 8 and any(line.startswith("  Next: ") for line in lines)
    assert "Sure" in lines[-1] and "Cause:" not in out.stdout
    details = run("ask", "--details", '{"error": "Key not authorised"}').stdout
    assert details.startswith(out.stdout.rstrip("\n"))
    assert "Cause:" in details and "What to do:" in details and "Tyk docs say:" in details
    assert details.index("Cause:") < details.index("Tyk docs say:")


def test_ask_json(run) -> None:  # type: ignore[no-untyped-def]
    out = run("ask", "--json", "--limit", "2", "HTTP/1.1 429", '{"error":"Rate limit exceeded"}')
    data = json.loads(out.stdout)
    assert data["confident"] is True
    assert data["matches"][0]["code"] == 429 and len(data["matches"]) <= 2
    assert {"id", "code", "message", "score", "cause", "action", "docs_url"} <= set(
        data["matches"][0]
    )
    assert data["matches"][0]["summary"] and data["matches"][0]["first_step"]


def test_ask_reads_stdin_and_reports_secrets(run) -> None:  # type: ignore[no-untyped-def]
    paste = 'curl -H \'Authorization: Bearer s3cr3tvalue123\' \n{"error": "Quota exceeded"}'
    out = run("ask", "--json", stdin=paste)
    data = json.loads(out.stdout)
    assert data["secrets"] == ["authorization header"]
    assert data["matches"][0]["message"] == "Quota Exceeded"


def test_jsonl_contract_and_bad_lines(run) -> None:  # type: ignore[no-untyped-def]
    lines = [
        json.dumps({"id": "a", "text": '{"error": "Quota exceeded"}'}),
        "not json",
        json.dumps({"id": "b", "text": "lunch anyone?"}),
        json.dumps({"id": "c", "text": ""}),
    ]
    out = run("ask", "--jsonl", stdin="\n".join(lines) + "\n")
    assert out.returncode == 1  # a bad line is reported, the others are answered
    assert out.stderr.strip() == "tykbot: error: line 2: Expecting value: line 1 column 1 (char 0)"
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["confident"] and rows[0]["matches"][0]["code"] == 403
    assert set(rows[0]["matches"][0]) == {"id", "code", "message", "score"}
    assert not rows[1]["confident"]
    assert "error" in rows[2]


@pytest.mark.parametrize(
    "stdin, message",
    [
        ("", "nothing to explain"),
        (b"\x00\x01\x02binary", "binary"),
    ],
)
def test_bad_input_is_one_line(run, stdin, message) -> None:  # type: ignore[no-untyped-def]
    out = run("ask", stdin=stdin)
    assert out.returncode == 2
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_a_one_megabyte_paste_gets_an_answer(run) -> None:  # type: ignore[no-untyped-def]
    big = ("noise " * 170_000) + '\n{"error": "Quota exceeded"}'
    out = run("ask", "--json", stdin=big)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr


def test_export_import_round_trip_and_import_docs(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export = tmp_path / "catalog.yaml"
    assert run("catalog", "export", str(export)).returncode == 0
    again = run("catalog", "import", str(export))
    assert "0 added, 0 changed" in again.stdout
    seed = SHARED / "seeds" / "tyk-error-status-codes.md"
    out = run("catalog", "import-docs", str(seed))
    assert out.stdout.startswith("105 rows: 0 added, 0 changed, 105 unchanged")
    page = tmp_path / "page.md"
    page.write_text("| 418 | Gateway is a teapot | Stop brewing. |\n", encoding="utf-8")
    out = run("catalog", "import-docs", str(page))
    assert "1 added" in out.stdout and "+ 418 Gateway is a teapot" in out.stdout
    assert "418-gateway-is-a-teapot" in run("catalog", "list", "--code", "418").stdout
    shown = run("catalog", "show", "418-gateway-is-a-teapot")
    assert "guidance: Stop brewing." in shown.stdout


def test_sync_lists_what_it_did(run) -> None:  # type: ignore[no-untyped-def]
    out = run("catalog", "sync")
    assert out.returncode == 0 and "0 added, 0 updated" in out.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["catalog", "show", "no-such-entry"], "no entry 'no-such-entry'"),
        (["catalog", "import-docs", "/no/such/file.md"], "cannot read"),
        (["catalog", "import", "/no/such/file.yaml"], "cannot read"),
    ],
)
def test_bad_arguments_give_one_line(run, args, message) -> None:  # type: ignore[no-untyped-def]
    out = run(*args)
    assert out.returncode == 2 and message in out.stderr
    assert "Traceback" not in out.stderr


def test_unreachable_database_is_one_line() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    out = subprocess.run([*TYKBOT, "ask", "x"], capture_output=True, text=True, env=env)
    assert out.returncode == 2
    assert out.stderr.startswith("tykbot: error: cannot set up the database")
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "command", [[], ["ask"], ["db"], ["catalog"], ["catalog", "sync"], ["stats"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    out = subprocess.run([*TYKBOT, *command, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "Usage" in out.stdout


def test_stats(run) -> None:  # type: ignore[no-untyped-def]
    run("ask", '{"error": "Quota exceeded"}')
    out = run("stats", "--json")
    assert json.loads(out.stdout)["queries"] == 1


def catalog_version(run) -> int:  # type: ignore[no-untyped-def]
    return int(json.loads(run("stats", "--json").stdout)["catalog_version"])


def test_import_dry_run_prints_the_diff_and_writes_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    catalog = tmp_path / "edits.yaml"
    catalog.write_text(
        "entries:\n"
        "- id: 403-quota-exceeded\n"
        "  note: Watch quota_renews.\n"
        "- code: 418\n"
        "  message: Gateway is a teapot\n"
        "- id: 429-api-rate-limit-exceeded\n"
        "  status: retired\n",
        encoding="utf-8",
    )
    before = catalog_version(run)
    out = run("catalog", "import", "--dry-run", str(catalog))
    assert out.returncode == 0, out.stderr
    assert (
        "changed 403-quota-exceeded note:" in out.stdout and "→ Watch quota_renews." in out.stdout
    )
    assert "added: 418-gateway-is-a-teapot" in out.stdout
    assert "retired: 429-api-rate-limit-exceeded" in out.stdout
    assert "1 added, 1 changed, 1 retired" in out.stdout and "nothing written" in out.stdout
    assert catalog_version(run) == before
    assert "418" not in run("catalog", "list", "--code", "418").stdout
    applied = run("catalog", "import", str(catalog))
    assert applied.returncode == 0 and "imported" in applied.stdout
    shown = run("catalog", "show", "403-quota-exceeded").stdout
    assert "note: Watch quota_renews." in shown and "cause:" in shown and "aliases:" in shown
    assert f"last changed by {getpass.getuser()}" in shown


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"entries:\n- id: 403-quota-exceeded\n  note: [unclosed\n", ":3: malformed YAML"),
        (
            b"entries:\n- id: 403-quota-exceeded\n  note: a\n- id: 403-quota-exceeded\n  note: b\n",
            ":4: duplicate id '403-quota-exceeded' (first on line 2)",
        ),
        (b"entries:\n- id: 403-quota-exceeded\n  colour: red\n", ":2: unknown field(s) colour"),
        (b"entries:\n- id: 403-quota-exceeded\n  code: 999\n", ":2: "),
        (
            b"entries:\n- id: 403-quota-exceeded\n  note: fine\n- id: 429-api-rate-limit-exceeded\n"
            b"  docs_url: not-a-link\n",
            ":4: 429-api-rate-limit-exceeded: docs_url:",
        ),
        (b"entries:\n- id: 403-quota-exceeded\n  note: caf\xe9\n", ":3: not UTF-8"),
    ],
)
def test_a_bad_import_file_is_one_line_and_changes_nothing(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, content: bytes, reason: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content)
    before = catalog_version(run)
    out = run("catalog", "import", str(bad))
    assert out.returncode == 2
    assert reason in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert catalog_version(run) == before
    assert "fine" not in run("catalog", "show", "403-quota-exceeded").stdout


def test_a_case_only_docs_row_updates_the_message_and_keeps_curated_fields(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    before = run("catalog", "show", "403-quota-exceeded").stdout
    page = tmp_path / "page.md"
    page.write_text(
        "| 403 | Quota exceeded | Quota limit has been exceeded. Check quota limit settings. |\n",
        encoding="utf-8",
    )
    out = run("catalog", "import-docs", str(page))
    assert out.returncode == 0, out.stderr
    assert "0 added, 1 changed" in out.stdout
    assert "changed message: Quota Exceeded → Quota exceeded" in out.stdout
    after = run("catalog", "show", "403-quota-exceeded").stdout
    assert "message: Quota exceeded" in after
    for kept in ("cause:", "action:", "aliases:"):
        section = before.split(kept, 1)[1].split("\n", 1)[0]
        assert kept in after and section in after
    assert "403-quota-exceeded" in run("catalog", "list", "--code", "403").stdout
    assert (
        len(
            [
                x
                for x in run("catalog", "list", "--code", "403").stdout.splitlines()
                if "uota exceeded" in x.lower()
            ]
        )
        == 1
    )
    sync = run("catalog", "sync")
    assert sync.returncode == 0 and "0 added" in sync.stdout
    answer = json.loads(run("ask", "--json", '{"error": "Quota exceeded"}').stdout)
    assert answer["confident"] and answer["matches"][0]["id"] == "403-quota-exceeded"


def test_history_revert_and_reset(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    edit = tmp_path / "edit.yaml"
    edit.write_text("entries:\n- id: 403-quota-exceeded\n  note: edited\n", encoding="utf-8")
    run("catalog", "import", str(edit))
    history = run("catalog", "history", "403-quota-exceeded").stdout.splitlines()
    assert "import" in history[0] and "note" in history[0] and getpass.getuser() in history[0]
    first = history[-1].split()[0].lstrip("#")
    reverted = run("catalog", "revert", "403-quota-exceeded", first)
    assert reverted.returncode == 0 and "revert saved" in reverted.stdout
    assert "edited in the store" in run("catalog", "show", "403-quota-exceeded").stdout
    reset = run("catalog", "reset", "403-quota-exceeded")
    assert reset.returncode == 0, reset.stderr
    assert "edited in the store" not in run("catalog", "show", "403-quota-exceeded").stdout


def test_import_overrides_adds_the_operators_texts_to_the_right_entries(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    conf = tmp_path / "tyk.conf"
    conf.write_text(
        json.dumps(
            {
                "listen_port": 8080,
                "override_messages": {
                    "oauth.auth_field_missing": {"code": 401, "message": "Bearer token please"},
                    "auth.key_is_invalid": {"code": 403, "message": "Your key is no good here"},
                    "auth.nonexistent_id": {"code": 403, "message": "Whatever"},
                },
            }
        ),
        encoding="utf-8",
    )
    dry = run("catalog", "import-overrides", "--dry-run", str(conf))
    assert dry.returncode == 0, dry.stderr
    assert "no entry names auth.nonexistent_id" in dry.stdout and "dry run" in dry.stdout
    before = run("ask", "--json", '{"error": "Your key is no good here"}')
    assert json.loads(before.stdout)["confident"] is False
    out = run("catalog", "import-overrides", str(conf))
    assert out.returncode == 0, out.stderr
    assert "changed 403-access-to-this-api-has-been-disallowed aliases" in out.stdout
    assert "changed 400-authorization-field-missing gateway_codes" in out.stdout
    after = json.loads(run("ask", "--json", '{"error": "Your key is no good here"}').stdout)
    assert after["matches"][0]["id"] == "403-access-to-this-api-has-been-disallowed"
    again = run("catalog", "import-overrides", str(conf))
    assert "changed 0 entries" in again.stdout


UNKNOWN = "connector pool exhausted for tenant {n} after {s}s waiting on the bridge queue"


def _unknown_group(run) -> dict:  # type: ignore[no-untyped-def, type-arg]
    for n, s in ((48213, 30), (771, 12), (90210, 45)):
        assert not json.loads(run("ask", "--json", UNKNOWN.format(n=n, s=s)).stdout)["confident"]
    groups = json.loads(run("gaps", "--json").stdout)
    assert [g["count"] for g in groups] == [3]
    return groups[0]  # type: ignore[no-any-return]


def test_gaps_become_aliases_from_the_terminal(run) -> None:  # type: ignore[no-untyped-def]
    group = _unknown_group(run)
    assert f"[{group['id']}]" in run("gaps").stdout
    entry = "500-there-was-a-problem-proxying-the-request"
    out = run("gaps", "alias", group["id"], entry, "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["status"] == "approved"
    again = json.loads(run("ask", "--json", UNKNOWN.format(n=5, s=9)).stdout)
    assert again["confident"] and again["matches"][0]["id"] == entry
    assert json.loads(run("gaps", "--json").stdout) == []


def test_gaps_become_new_entries_or_noise_from_the_terminal(run) -> None:  # type: ignore[no-untyped-def]
    group = _unknown_group(run)
    missing = run("gaps", "new", group["id"], "--code", "200", "--message", "Bridge queue full")
    assert missing.returncode == 2 and "400 to 599" in missing.stderr
    added = run("gaps", "new", group["id"], "--code", "503", "--message", "Bridge queue full")
    assert added.returncode == 0, added.stderr
    answer = json.loads(run("ask", "--json", UNKNOWN.format(n=1, s=2)).stdout)
    assert answer["confident"] and answer["matches"][0]["message"] == "Bridge queue full"

    run("ask", "zebra crossing scheduler stalled on the eastern ring buffer again today")
    run("ask", "zebra crossing scheduler stalled on the eastern ring buffer again tonight")
    [noisy] = json.loads(run("gaps", "--json").stdout)
    assert run("gaps", "noise", noisy["id"]).returncode == 0
    assert json.loads(run("gaps", "--json").stdout) == []
    unknown = run("gaps", "alias", "deadbeef", "x")
    assert unknown.returncode == 2 and "no unknown-error group" in unknown.stderr
