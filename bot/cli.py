"""`tykbot`: the terminal face of the same use cases the Slack app calls."""

from __future__ import annotations

import csv
import dataclasses
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from bot.catalog import (
    CATALOG_FILE,
    CatalogError,
    dump_entries,
    import_docs_rows,
    load_file,
    parse_docs_table,
    read_catalog_file,
)
from bot.config import Settings
from bot.gateway.checks import gateway_hello
from bot.gateway.client import GatewayClient
from bot.gateway.gateways import GatewayConfigError, load_gateways
from bot.service import (
    EditError,
    EditResult,
    Gap,
    ImportRejected,
    InputError,
    ProposalView,
    Service,
)
from bot.store.database import DatabaseError, first_line
from bot.terminal import answer_json, answer_text, candidate_json

app = typer.Typer(
    help="tykbot: explains Tyk API Gateway errors. Paste an error, get the answer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
catalog_app = typer.Typer(
    help="The error catalog: list, show, history, import, export, sync, reset.",
    no_args_is_help=True,
)
review_app = typer.Typer(
    help="Learned phrasings waiting for an admin: list, approve, reject.", no_args_is_help=True
)
gaps_app = typer.Typer(help="Unknown errors: pastes nothing matched with confidence.")
feedback_app = typer.Typer(help="Votes and corrections people gave.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(review_app, name="review")
app.add_typer(feedback_app, name="feedback")
app.add_typer(gaps_app, name="gaps")
gateways_app = typer.Typer(
    help="Tyk Gateways that gateway checks may read (TYKBOT_GATEWAYS).", no_args_is_help=True
)
app.add_typer(gateways_app, name="gateways")

MAX_STDIN_BYTES = 5_000_000


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line to stderr and exit non-zero."""
    typer.echo(f"tykbot: error: {message}", err=True)
    raise typer.Exit(code)


def open_service() -> Service:
    """The service on the configured database, schema and knowledge ready."""
    try:
        return Service.open(Settings())
    except (DatabaseError, CatalogError) as exc:
        fail(str(exc))
    except Exception as exc:  # configuration errors from pydantic and drivers
        fail(first_line(exc))


# -- ask --------------------------------------------------------------------------------------
def _read_stdin() -> str:
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        fail(f"input is larger than {MAX_STDIN_BYTES // 1_000_000} MB")
    if b"\x00" in data:
        fail("that looks like binary data, not an error message")
    return data.decode("utf-8", errors="replace")


def _ask_jsonl(service: Service, limit: int) -> int:
    bad = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('expected {"id": ..., "text": "..."}')
        except ValueError as exc:
            bad += 1
            typer.echo(f"tykbot: error: line {number}: {first_line(exc)}", err=True)
            continue
        out: dict[str, Any] = {"id": item.get("id"), "confident": False, "matches": []}
        try:
            answer = service.explain(item["text"], source="cli", limit=limit)
            out["confident"] = answer.confident
            out["matches"] = [candidate_json(c, full=False) for c in answer.candidates]
        except InputError as exc:
            out["error"] = str(exc)
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 1 if bad else 0


@app.command()
def ask(
    text: Annotated[
        list[str] | None, typer.Argument(help="The paste (or read from stdin).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"id","text"} lines on stdin, write one per line.')
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=20, help="Candidates to show.")] = 3,
    details: Annotated[
        bool, typer.Option("--details", help="Print everything after the card.")
    ] = False,
) -> None:
    """Explain a pasted Tyk error: `tykbot ask '{"error": "Key not authorised"}'`."""
    service = open_service()
    if jsonl:
        raise typer.Exit(_ask_jsonl(service, limit))
    paste = " ".join(text) if text else ("" if sys.stdin.isatty() else _read_stdin())
    try:
        answer = service.explain(paste, source="cli", limit=limit)
    except InputError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        typer.echo(answer_text(answer, details=details))


# -- db ---------------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema, and load knowledge/ into a new database."""
    typer.echo(f"database ready: {open_service().count_entries()} entries")


# -- catalog ----------------------------------------------------------------------------------
def author() -> str:
    """Who a terminal change is recorded as: the OS user."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (some containers)
        return "cli"


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@catalog_app.command("list")
def catalog_list(
    code: Annotated[int | None, typer.Option(help="Only this status code.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include retired entries.")] = False,
) -> None:
    """List entries: id, code, message."""
    for e in open_service().list_entries(include_retired=all_):
        if code is None or e.code == code:
            flag = "" if e.status == "active" else f"  [{e.status}]"
            typer.echo(f"{e.id:70s} {e.code} {e.message}{flag}")


@catalog_app.command("show")
def catalog_show(entry_id: str) -> None:
    """Show one entry in full (YAML), with its revision count."""
    record = open_service().entry_record(entry_id)
    typer.echo(dump_entries([record.entry]).rstrip())
    edited = ", edited in the store" if record.edited_in_store else ""
    typer.echo(
        f"# version {record.version}, {record.revisions} revision(s), "
        f"last changed by {record.updated_by}{edited}"
    )


@catalog_app.command("history")
def catalog_history(entry_id: str) -> None:
    """An entry's revisions, newest first: id, version, who, when, what changed."""
    for r in open_service().history(entry_id):
        fields = ", ".join(r.changes) or "-"
        typer.echo(
            f"#{r.id:<6d} v{r.version:<4d} {r.changed_at:%Y-%m-%d %H:%M} {r.changed_by:20s} "
            f"{r.action:8s} {fields}"
        )


def _report(result: EditResult) -> None:
    if not result.changed:
        typer.echo(f"{result.entry.id}: nothing to change")
        return
    typer.echo(
        f"{result.entry.id}: {result.action} saved as version {result.version} "
        f"({', '.join(result.changed)})"
    )


@catalog_app.command("revert")
def catalog_revert(
    entry_id: str,
    revision: Annotated[int, typer.Argument(help="Revision id from `catalog history`.")],
) -> None:
    """Restore an entry as it was after one of its revisions (recorded as a new revision)."""
    _report(
        open_service().edit_entry("revert", by=author(), entry_id=entry_id, revision_id=revision)
    )


@catalog_app.command("retire")
def catalog_retire(entry_id: str) -> None:
    """Retire an entry: it stays in history but never matches."""
    _report(open_service().edit_entry("retire", by=author(), entry_id=entry_id))


@catalog_app.command("restore")
def catalog_restore(entry_id: str) -> None:
    """Make a retired entry match again."""
    _report(open_service().edit_entry("restore", by=author(), entry_id=entry_id))


@catalog_app.command("reset")
def catalog_reset(entry_id: str) -> None:
    """Hand an entry edited in the store back to knowledge/: the shipped version is applied
    again, and later releases update it."""
    _report(open_service().reset_entry(entry_id, by=author()))


@catalog_app.command("export")
def catalog_export(
    path: Annotated[Path | None, typer.Argument(help="File to write (default: stdout).")] = None,
) -> None:
    """Write the whole catalog in the knowledge/ YAML format."""
    entries = open_service().list_entries(include_retired=True)
    text = dump_entries(entries, "# tykbot catalog export\n")
    if path is None:
        sys.stdout.write(text)
    else:
        path.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(entries)} entries to {path}")


@catalog_app.command("import")
def catalog_import(
    path: Path,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change; write nothing.")
    ] = False,
) -> None:
    """Apply a knowledge/export YAML file in one transaction (a partial entry changes only
    the fields it names); a bad file is refused with its line and nothing is written."""
    try:
        items = read_catalog_file(path)
    except CatalogError as exc:
        fail(str(exc))
    service = open_service()
    try:
        plan = service.import_entries(items, by=author(), source=path.name, dry_run=dry_run)
    except ImportRejected as exc:
        fail(f"{path}:{exc.line}: {exc.reason}")
    for e in plan.added:
        typer.echo(f"  added: {e.id} ({e.code} {e.message})")
    for e, changes in plan.changed:
        for name, change in changes.items():
            typer.echo(
                f"  changed {e.id} {name}: {_short(change['before'])} → {_short(change['after'])}"
            )
    for e in plan.retired:
        typer.echo(f"  retired: {e.id}")
    verb = "would import" if dry_run else "imported"
    typer.echo(
        f"{verb} {path}: {len(plan.added)} added, {len(plan.changed)} changed, "
        f"{len(plan.retired)} retired, {plan.unchanged} unchanged"
        + (" (dry run: nothing written)" if dry_run else "")
    )


@catalog_app.command("import-overrides")
def catalog_import_overrides(
    path: Annotated[Path, typer.Argument(help="tyk.conf, or the JSON of its override_messages.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change; write nothing.")
    ] = False,
) -> None:
    """Add the operator's `override_messages` texts and codes to the entries that name those
    TykErrors ids, so a gateway with re-worded errors is still understood."""
    from bot.catalog import RawEntry, override_changes, read_overrides

    try:
        overrides = read_overrides(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    except CatalogError as exc:
        fail(f"{path}: {exc}")
    service = open_service()
    changes, unknown = override_changes(service.list_entries(), overrides)
    items = [RawEntry(line=0, data={"id": eid, **c}) for eid, c in sorted(changes.items())]
    try:
        plan = service.import_entries(items, by=author(), source=path.name, dry_run=dry_run)
    except ImportRejected as exc:
        fail(f"{path}: {exc.reason}")
    for e, diff in plan.changed:
        for name, change in diff.items():
            typer.echo(
                f"  changed {e.id} {name}: {_short(change['before'])} → {_short(change['after'])}"
            )
    for error_id in unknown:
        typer.echo(f"  no entry names {error_id}")
    verb = "would change" if dry_run else "changed"
    typer.echo(
        f"{len(overrides)} override(s): {verb} {len(plan.changed)} entries, "
        f"{len(unknown)} id(s) unknown" + (" (dry run: nothing written)" if dry_run else "")
    )


@catalog_app.command("coverage")
def catalog_coverage(
    tyk_source: Annotated[
        Path, typer.Option("--tyk-source", help="A checkout of TykTechnologies/tyk.")
    ],
) -> None:
    """List the gateway's client-facing error strings no catalog entry or alias answers
    confidently (knowledge/ files, no database), with the covered share."""
    from bot.catalog import load_knowledge
    from bot.coverage import scan_tree, tyk_reply
    from bot.matching.matcher import Matcher

    if not tyk_source.is_dir():
        fail(f"{tyk_source} is not a directory")
    found = scan_tree(tyk_source)
    if not found:
        fail(f"no client-facing error strings found under {tyk_source}")
    matcher = Matcher(load_knowledge())
    missing = [f for f in found if not matcher.match(tyk_reply(f)).confident]
    for f in sorted(missing, key=lambda f: (f.file, f.line)):
        code = f.code or "?"
        typer.echo(f"  {f.file}:{f.line} [{f.kind} {code}] {f.text}")
    covered = len(found) - len(missing)
    typer.echo(
        f"covered {covered} of {len(found)} client-facing strings "
        f"({100 * covered / len(found):.1f}%), {len(missing)} uncovered"
    )


@catalog_app.command("import-docs")
def catalog_import_docs(
    path: Path,
    write: Annotated[
        bool, typer.Option(help=f"Also update knowledge/{CATALOG_FILE} in this checkout.")
    ] = False,
) -> None:
    """Import or update entries from a Tyk docs page in the error-table format.

    Rows match entries by code and normalised message (case, quotes, spelling); curated
    fields are kept."""
    try:
        rows = parse_docs_table(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8")
    except CatalogError as exc:
        fail(str(exc))
    report = open_service().import_docs(rows, by=author(), source=path.name)
    if write:
        from bot.catalog import knowledge_dir

        target = knowledge_dir() / CATALOG_FILE
        current = load_file(target)
        file_report = import_docs_rows(current, rows)
        changed = {new.id: new for _old, new in file_report.changed}
        merged = [changed.get(e.id, e) for e in current] + file_report.added
        header = "".join(
            line + "\n"
            for line in target.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")
        )
        target.write_text(dump_entries(merged, header), encoding="utf-8")
    typer.echo(
        f"{len(rows)} rows: {len(report.added)} added, {len(report.changed)} changed, "
        f"{report.unchanged} unchanged"
    )
    for e in report.added:
        typer.echo(f"  + {e.code} {e.message}")
    for old, new in report.changed:
        if old.message != new.message:
            typer.echo(f"  ~ {old.id}: changed message: {old.message} → {new.message}")
        if old.guidance != new.guidance:
            typer.echo(f"  ~ {old.id}: changed guidance")


@catalog_app.command("sync")
def catalog_sync() -> None:
    """Merge changes of knowledge/ into the store; entries edited in the store are kept."""
    service = open_service()
    try:
        report = service.sync_knowledge()
    except CatalogError as exc:
        fail(str(exc))
    typer.echo(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.retired)} retired, {report.unchanged} unchanged, "
        f"{len(report.conflicts)} conflict(s)"
    )
    for entry_id in report.retired:
        typer.echo(f"  retired: {entry_id} (no longer in knowledge/)")
    for entry_id in report.conflicts:
        typer.echo(f"  conflict: {entry_id} was edited in the store; knowledge/ change not applied")
    for entry_id in report.only_in_store:
        typer.echo(f"  only in store: {entry_id}")


# -- stats ------------------------------------------------------------------------------------
@app.command()
def stats(
    days: Annotated[int | None, typer.Option(help="Only the last N days.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Usage figures: queries, confident answers, votes, most asked entries."""
    figures = open_service().stats(days)
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    typer.echo(f"entries: {figures['entries']} (catalog version {figures['catalog_version']})")
    typer.echo(f"queries: {figures['queries']}, confident: {figures['confident']}")
    typer.echo(
        f"votes: {figures['votes_helped']} helped, {figures['votes_not_helped']} didn't help"
    )
    for row in figures["top_entries"]:
        typer.echo(f"  {row['count']:5d}  {row['id']}")


# -- learning -----------------------------------------------------------------------------------
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _proposal_line(p: ProposalView) -> str:
    fix = f", instead of {p.corrected_entry_id}" if p.corrected_entry_id else ""
    warn = f"  [collides: {p.collision}]" if p.collision else ""
    return (
        f"#{p.id:<5d} {p.status:8s} {p.confirmers} people{fix}\n"
        f'       {p.entry}\n       "{p.text}"{warn}'
    )


@review_app.command("list")
def review_list(
    all_: Annotated[bool, typer.Option("--all", help="Include approved and rejected.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Proposed phrasings, the most confirmed first."""
    found = open_service().review_list(status=None if all_ else "open")
    if as_json:
        _echo_json([p.to_json() for p in found])
    elif not found:
        typer.echo("no proposals waiting")
    for p in [] if as_json else found:
        typer.echo(_proposal_line(p))


def _decide(proposal_id: int, approve: bool, as_json: bool) -> None:
    service = open_service()
    decided = (service.approve if approve else service.reject)(proposal_id, by=author())
    if as_json:
        _echo_json(decided.to_json())
    else:
        typer.echo(_proposal_line(decided))


@review_app.command("approve")
def review_approve(proposal_id: int, as_json: JsonFlag = False) -> None:
    """Make a proposal an alias of its entry (a learned alias, recorded in its history)."""
    _decide(proposal_id, True, as_json)


@review_app.command("reject")
def review_reject(proposal_id: int, as_json: JsonFlag = False) -> None:
    """Turn a proposal down."""
    _decide(proposal_id, False, as_json)


def _gap_line(g: Gap) -> str:
    return (
        f"[{g.id}] {g.count:4d}x  {g.first_seen:%Y-%m-%d} .. {g.last_seen:%Y-%m-%d}  "
        f"{', '.join(g.channels) or '-'}\n       {g.example}"
        + (
            f"\n       might be: {', '.join(e.id for e in g.suggestions[:3])}"
            if g.suggestions
            else ""
        )
    )


DaysOption = Annotated[int, typer.Option(min=1, help="Look back this many days.")]


@gaps_app.callback(invoke_without_command=True)
def gaps(
    ctx: typer.Context,
    days: DaysOption = 30,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Unknown errors: similar pastes nothing matched with confidence, biggest group first.
    Each group's [id] names it for `gaps alias`, `gaps new` and `gaps noise`."""
    if ctx.invoked_subcommand is not None:
        return
    found = open_service().gaps(days=days, limit=limit)
    if as_json:
        _echo_json([g.to_json() for g in found])
        return
    if not found:
        typer.echo("no unknown errors")
    for g in found:
        typer.echo(_gap_line(g))


@gaps_app.command("alias")
def gaps_alias(
    gap: Annotated[str, typer.Argument(help="The group's id, from `tykbot gaps`.")],
    entry_id: Annotated[str, typer.Argument(help="The entry it is a phrasing of.")],
    days: DaysOption = 30,
    as_json: JsonFlag = False,
) -> None:
    """Make an unknown error's phrasing an alias of an existing entry (recorded as learned)."""
    service = open_service()
    found = service.find_gap(gap, days=days)
    if not found.phrase:
        fail(f"group {found.id} has too few words to make an alias of")
    if service.entry(entry_id) is None:
        fail(f"no entry {entry_id!r} (tykbot catalog list shows them)")
    done = service.gap_to_alias(found.phrase, entry_id, by=author())
    if as_json:
        _echo_json(done.to_json())
    else:
        typer.echo(f"\u201c{done.text}\u201d is now an alias of {done.entry}")


@gaps_app.command("new")
def gaps_new(
    gap: Annotated[str, typer.Argument(help="The group's id, from `tykbot gaps`.")],
    code: Annotated[int, typer.Option(help="The HTTP status the gateway sends.")],
    message: Annotated[str, typer.Option(help="Its wording, as the gateway sends it.")],
    cause: Annotated[str, typer.Option(help="Why it happens.")] = "",
    action: Annotated[str, typer.Option(help="What to do.")] = "",
    days: DaysOption = 30,
    as_json: JsonFlag = False,
) -> None:
    """Add a new catalog entry for an unknown error; its phrasing becomes the first alias."""
    service = open_service()
    found = service.find_gap(gap, days=days)
    changes: dict[str, Any] = {"code": code, "message": message, "cause": cause, "action": action}
    entry_id = service.gap_to_entry(found, changes, by=author())  # EditError: one line
    entry = service.entry(entry_id)
    if as_json:
        _echo_json({"id": entry_id, "code": code, "aliases": list(entry.aliases) if entry else []})
    else:
        typer.echo(f"added {entry_id}: {code} {entry.message if entry else ''}")


@gaps_app.command("noise")
def gaps_noise(
    gap: Annotated[str, typer.Argument(help="The group's id, from `tykbot gaps`.")],
    days: DaysOption = 30,
) -> None:
    """Stop listing an unknown-error group (and pastes like it) as a gap."""
    service = open_service()
    found = service.find_gap(gap, days=days)
    service.mark_gap_noise(found.key, by=author())
    typer.echo(f"group {found.id} marked as noise ({found.count} pastes)")


@feedback_app.command("export")
def feedback_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
) -> None:
    """Every vote and correction: time, answer, entry, verdict, chosen entry, reason, user id."""
    if fmt not in ("csv", "json"):
        fail("--format is csv or json")
    rows = open_service().feedback_export()
    if fmt == "json":
        _echo_json(rows)
        return
    fields = ["time", "query_id", "entry_id", "verdict", "chosen_entry_id", "reason", "user_id"]
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


@app.command()
def purge(
    days: Annotated[
        int | None, typer.Option(min=1, help="Keep this many days (default TYKBOT_RETENTION_DAYS).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Forget old query texts, vote reasons and Slack message rows; counts are kept."""
    purged = open_service().purge(days)
    if as_json:
        _echo_json(purged)
        return
    typer.echo(", ".join(f"{k.replace('_', ' ')}: {n}" for k, n in purged.items()))


@app.command()
def digest(
    channel: Annotated[str, typer.Option("--channel", help="Slack channel id to post to.")],
    days: Annotated[int, typer.Option(min=1)] = 7,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print it; post nothing.")] = False,
) -> None:
    """Post the week's summary (top errors, new unknown errors, weak entries) to a channel;
    for cron or a Kubernetes CronJob. Needs SLACK_BOT_TOKEN."""
    from bot.slack.client import make_client
    from bot.slack.home_blocks import digest_message

    settings = Settings()
    msg = digest_message(open_service().summary(days))
    if dry_run:
        typer.echo(msg["text"])
        _echo_json(msg["blocks"])
        return
    if not settings.slack_bot_token:
        fail("SLACK_BOT_TOKEN is not set")
    try:
        make_client(settings).chat_postMessage(channel=channel, unfurl_links=False, **msg)
    except Exception as exc:  # SlackApiError, connection errors: one line
        fail(f"could not post the digest: {first_line(exc)}")
    typer.echo(f"posted the {days}-day digest to {channel}")


# -- gateway checks -----------------------------------------------------------------------------
@gateways_app.command("check")
def gateways_check() -> None:
    """GET /hello on each configured gateway: one line each with its version and health."""
    try:
        gateways = load_gateways(Settings())
    except GatewayConfigError as exc:
        fail(str(exc))
    if not gateways:
        fail("no gateways configured: set TYKBOT_GATEWAYS=name=https://host:port", 1)
    lines = [gateway_hello(GatewayClient(g)) for g in gateways]
    for line in lines:
        typer.echo(line)
    if any(": version " not in line for line in lines):
        raise typer.Exit(1)


@app.command()
def audit(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Gateway checks people ran (or were refused): who, when, gateway, calls, outcome."""
    rows = open_service().audit(limit)
    if as_json:
        _echo_json([{**dataclasses.asdict(r), "at": r.at.isoformat()} for r in rows])
        return
    if not rows:
        typer.echo("No gateway checks yet.")
    for r in rows:
        typer.echo(
            f"#{r.id:<5d} {r.at:%Y-%m-%d %H:%M} {r.user_id} {r.gateway} {r.outcome:8s} "
            f"{r.target or '-'}: {r.verdict}"
        )
        for call in r.calls:
            typer.echo(f"       {call}")


@app.command()
def serve() -> None:
    """Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT."""
    from bot.slack.serve import ConfigError
    from bot.slack.serve import serve as run_slack_app

    try:
        run_slack_app(Settings())
    except ConfigError as exc:
        fail(str(exc))


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except (DatabaseError, CatalogError, EditError) as exc:
        typer.echo(f"tykbot: error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
