"""The catalog as data: the Entry model, the knowledge/*.yaml files, and Tyk's docs table.

Plain Python with no database: the store, the CLI and the tests all go through here to read
and write the YAML format, so an export and an import round-trip losslessly.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DOCS_URL = "https://tyk.io/docs/error-response-codes/"
ORIGINS = ("docs", "gateway-source", "admin")
STATUSES = ("active", "retired")
CATALOG_FILE = "tyk-gateway-errors.yaml"
SUMMARY_MAX = 120
FIRST_STEP_MAX = 200
# The values a `first_step` template may name, each with the words shown when the paste lacks it.
PLACEHOLDERS: dict[str, str] = {
    "host": "<upstream-host>",  # the upstream host named in the error (lookup, dial, URL)
    "port": "<port>",  # the upstream port named in the error
    "api_id": "<api-id>",
    "api_name": "<api-name>",
    "listen_path": "<listen-path>",  # the API's listen path (first segment of the request path)
    "path": "<request-path>",  # the request path of the failing call
    "method": "<method>",
    "key_hint": "the key",  # `key ****be41`: Tyk's own obfuscated form, never the whole key
    "version": "your gateway version",
    "cert_id": "<cert-id>",
    "policy_id": "<policy-id>",
    "org_id": "<org-id>",
    "redis_host": "<redis-host>",  # the Redis address a storage or pub-sub error dialled
    "redis_port": "<redis-port>",
}
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


def template_names(template: str) -> list[str]:
    """The `{name}` placeholders a template uses, in order."""
    return _PLACEHOLDER_RE.findall(template)


def fill_template(template: str, values: dict[str, str]) -> str:
    """A template with known placeholders filled from `values`, else with readable words."""

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in PLACEHOLDERS:
            return m.group(0)
        return values.get(name) or PLACEHOLDERS[name]

    return _PLACEHOLDER_RE.sub(fill, template)


OVERRIDE_ID_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")  # a TykErrors id


class CatalogError(ValueError):
    """A knowledge file or docs page that cannot be read as a catalog."""


@dataclass(frozen=True)
class VersionNote:
    """How an entry differs in some gateway versions: `applies` is a range like `<5.4`."""

    applies: str
    note: str


@dataclass(frozen=True)
class Entry:
    """One catalog entry: a status code and message the gateway (or its docs) can produce."""

    id: str
    code: int
    message: str
    guidance: str = ""
    summary: str = ""  # the card's one line: what is wrong (at most 120 characters)
    first_step: str = ""  # the card's next step, a template filled from the paste (PLACEHOLDERS)
    gateway_message: str = ""  # the wording the gateway really sends, when the docs differ
    gateway_codes: tuple[int, ...] = ()  # codes the gateway really sends it with, commonest first
    reaches_clients: bool = True  # False for docs rows no client ever receives (test names)
    prevalence: float = 0.0  # how often real deployments hit it, 0 (rare) to 1 (most common)
    cause: str = ""
    action: str = ""
    note: str = ""
    aliases: tuple[str, ...] = ()
    # The gateway's `TykErrors` ids this entry stands for (`auth.key_not_found`, ...): the keys
    # of tyk.conf `override_messages` that re-word it (see `override_changes`).
    override_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    versions: tuple[VersionNote, ...] = ()
    docs_url: str = DOCS_URL
    # Where a gateway-source entry comes from: a file path in TykTechnologies/tyk (no line
    # numbers) and the release tag or commit it was last checked against.
    source: str = ""
    checked: str = ""
    origin: str = "docs"
    status: str = "active"

    def to_dict(self) -> dict[str, Any]:
        """The entry as it is written to YAML: empty optional fields are left out."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "versions":
                value = [asdict(v) for v in value]
            elif isinstance(value, tuple):
                value = list(value)
            if value in ("", [], ()) and f.name not in ("id", "code", "message"):
                continue
            if (f.name == "reaches_clients" and value) or (f.name == "prevalence" and not value):
                continue
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        """Build an entry from a YAML mapping, checking the fields that must be right."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise CatalogError(f"unknown field(s) {sorted(unknown)} in entry {data.get('id')!r}")
        try:
            code = int(data["code"])
            message = str(data["message"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogError(f"entry {data.get('id')!r} needs an int code and a message") from exc
        if not 100 <= code <= 599:
            raise CatalogError(f"entry {data.get('id')!r}: {code} is not an HTTP status code")
        if not message.strip():
            raise CatalogError(f"entry {data.get('id')!r}: empty message")
        origin = str(data.get("origin", "docs"))
        status = str(data.get("status", "active"))
        if origin not in ORIGINS:
            raise CatalogError(f"entry {data.get('id')!r}: origin must be one of {ORIGINS}")
        if status not in STATUSES:
            raise CatalogError(f"entry {data.get('id')!r}: status must be one of {STATUSES}")
        versions = tuple(
            VersionNote(applies=str(v["applies"]), note=str(v["note"]))
            for v in data.get("versions") or ()
        )
        return cls(
            id=str(data.get("id") or entry_id(code, message)),
            code=code,
            message=message,
            guidance=str(data.get("guidance") or ""),
            summary=str(data.get("summary") or "").strip(),
            first_step=str(data.get("first_step") or "").strip(),
            gateway_message=str(data.get("gateway_message") or "").strip(),
            gateway_codes=_codes(data.get("gateway_codes"), data.get("id")),
            reaches_clients=bool(data.get("reaches_clients", True)),
            prevalence=_prevalence(data.get("prevalence"), data.get("id")),
            cause=str(data.get("cause") or "").strip(),
            action=str(data.get("action") or "").strip(),
            note=str(data.get("note") or "").strip(),
            aliases=tuple(str(a) for a in data.get("aliases") or ()),
            override_ids=_override_ids(data.get("override_ids"), data.get("id")),
            tags=tuple(str(t) for t in data.get("tags") or ()),
            versions=versions,
            docs_url=str(data.get("docs_url") or DOCS_URL),
            source=str(data.get("source") or "").strip(),
            checked=str(data.get("checked") or "").strip(),
            origin=origin,
            status=status,
        )


def entry_values(entry: Entry) -> dict[str, Any]:
    """Every field of an entry but its id, as JSON values (lists for tuples), empty ones too."""
    out: dict[str, Any] = {}
    for f in fields(entry):
        if f.name == "id":
            continue
        value = getattr(entry, f.name)
        if f.name == "versions":
            value = [asdict(v) for v in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def diff_entries(before: Entry | None, after: Entry) -> dict[str, dict[str, Any]]:
    """The fields that differ: `{field: {"before": old, "after": new}}` (old None when new)."""
    old = entry_values(before) if before is not None else {}
    new = entry_values(after)
    return {
        name: {"before": old.get(name), "after": value}
        for name, value in new.items()
        if old.get(name) != value
    }


def is_override_id(text: str) -> bool:
    """Whether `text` has the shape of a TykErrors id such as `auth.key_not_found`."""
    return bool(OVERRIDE_ID_RE.match(text))


def _override_ids(value: Any, entry: Any) -> tuple[str, ...]:
    ids = tuple(str(i).strip() for i in value or ())
    bad = [i for i in ids if not is_override_id(i)]
    if bad:
        raise CatalogError(
            f"entry {entry!r}: {bad[0]!r} is not a TykErrors id (auth.key_not_found)"
        )
    return tuple(dict.fromkeys(ids))


def _prevalence(value: Any, entry: Any) -> float:
    try:
        prevalence = float(value or 0.0)
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"entry {entry!r}: prevalence must be a number") from exc
    if not 0.0 <= prevalence <= 1.0:
        raise CatalogError(f"entry {entry!r}: prevalence must be between 0 and 1")
    return prevalence


def _codes(value: Any, entry: Any) -> tuple[int, ...]:
    try:
        codes = tuple(int(c) for c in value or ())
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"entry {entry!r}: gateway_codes must be status codes") from exc
    if any(not 100 <= c <= 599 for c in codes):
        raise CatalogError(f"entry {entry!r}: gateway_codes must be status codes")
    return codes


@dataclass
class DocsRow:
    """One row of Tyk's "Error Response Status Codes" table."""

    code: int
    message: str
    guidance: str


@dataclass
class ImportReport:
    """What an import of a docs page did to a list of entries."""

    added: list[Entry] = field(default_factory=list)
    changed: list[tuple[Entry, Entry]] = field(default_factory=list)
    unchanged: int = 0


def entry_id(code: int, message: str) -> str:
    """The stable id of an entry: its code and a slug of its message."""
    text = unicodedata.normalize("NFKD", message).replace("’", "").replace("'", "")
    text = text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return f"{code}-{slug[:80].rstrip('-')}"


_ROW = re.compile(r"^\|\s*(\d{3})\s*\|(.*)\|(.*)\|\s*$")


def parse_docs_table(markdown: str) -> list[DocsRow]:
    """Read the code/text/action rows of a Tyk docs page in the error table format."""
    rows: list[DocsRow] = []
    for line in markdown.splitlines():
        m = _ROW.match(line.strip())
        if not m:
            continue
        code, message, guidance = int(m.group(1)), m.group(2).strip(), m.group(3).strip()
        if message:
            rows.append(DocsRow(code=code, message=message, guidance=guidance))
    if not rows:
        raise CatalogError("no | code | text | action | rows found in that page")
    return rows


def import_docs_rows(entries: Iterable[Entry], rows: Iterable[DocsRow]) -> ImportReport:
    """Merge docs rows into entries: new rows are added, changed wording or guidance updated.

    A row is the same entry when its code and normalised message are (case, quotes and
    British/American spelling aside), so a row that only re-cases a message updates that
    entry's message instead of adding a twin. Curated fields (summary, cause, action,
    aliases, tags, ...) are always kept; entries the page no longer lists are left alone.
    """
    from bot.matching.normalize import normalize

    by_key = {(e.code, normalize(e.message)): e for e in entries}
    report = ImportReport()
    for row in rows:
        old = by_key.get((row.code, normalize(row.message)))
        if old is None:
            report.added.append(
                Entry(
                    id=entry_id(row.code, row.message),
                    code=row.code,
                    message=row.message,
                    guidance=row.guidance,
                    tags=tuple(guess_tags(row.message)),
                )
            )
        elif (old.message, old.guidance) != (row.message, row.guidance):
            new = Entry.from_dict(
                {**old.to_dict(), "message": row.message, "guidance": row.guidance}
            )
            report.changed.append((old, new))
        else:
            report.unchanged += 1
    return report


_TAG_WORDS = {
    "oauth": ("oauth", "client id", "client secret", "redirect uri", "refresh token"),
    "jwt": ("jwt", "signing method", "claim", "bearer", "scope"),
    "certificates": ("certificate", "cert", "tls", "sha256"),
    "quota": ("quota",),
    "rate-limit": ("rate limit",),
    "graphql": ("graphql", "depth limit", "schema"),
    "upstream": (
        "upstream",
        "proxying",
        "hosts are down",
        "host lookup",
        "loop target",
        "client closed",
        "circuit",
        "temporarily unavailable",
    ),
    "admin-api": (
        "policy",
        "org ",
        "organisation",
        "bundle",
        "marshalling",
        "key store",
        "apiid",
        "api_id",
        "spec field",
        "request field",
        "batch",
        "cache",
        "file",
        "dashboard api",
        "migrated",
        "oas",
        "instruction",
        "health check",
    ),
    "auth": ("key", "authori", "header", "password", "signature", "token", "access"),
    "versioning": ("version",),
}


def guess_tags(message: str) -> list[str]:
    """A first guess at an entry's tags from words in its message."""
    low = f" {message.lower()} "
    return [tag for tag, words in _TAG_WORDS.items() if any(w in low for w in words)]


def knowledge_dir() -> Path:
    """The knowledge/ folder: the source tree's in a checkout, the packaged copy otherwise."""
    source_tree = Path(__file__).resolve().parent.parent / "knowledge"
    if source_tree.is_dir():
        return source_tree
    return Path(str(resources.files("bot") / "_knowledge"))


def load_file(path: Path) -> list[Entry]:
    """Read one knowledge YAML file (a mapping with an `entries` list)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise CatalogError(f"{path}: expected a mapping with an 'entries' list")
    return [Entry.from_dict(item) for item in data["entries"]]


@dataclass(frozen=True)
class RawEntry:
    """One entry of a catalog file as written: its line and the mapping (only the keys given)."""

    line: int
    data: dict[str, Any]


def read_catalog_file(path: Path) -> list[RawEntry]:
    """The entries of a catalog YAML file with their line numbers, checked for shape.

    Errors are CatalogError with `path:line: reason` (not UTF-8, malformed YAML, not a
    mapping with an `entries` list, an entry that is not a mapping or has no id, a duplicate
    id, an unknown field).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError(f"{path}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x})") from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark  # where the broken construct began
        line = mark.line + 1 if mark is not None else 1
        raise CatalogError(f"{path}:{line}: malformed YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: malformed YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise CatalogError(f"{path}:1: expected a mapping with an 'entries' list")
    assert isinstance(root, yaml.MappingNode)
    items = next(v for k, v in root.value if k.value == "entries")
    out: list[RawEntry] = []
    seen: dict[str, int] = {}
    known = {f.name for f in fields(Entry)}
    for node, item in zip(items.value, data["entries"], strict=True):
        line = node.start_mark.line + 1
        if not isinstance(item, dict):
            raise CatalogError(f"{path}:{line}: an entry must be a mapping of fields")
        unknown = sorted(set(map(str, item)) - known)
        if unknown:
            raise CatalogError(f"{path}:{line}: unknown field(s) {', '.join(unknown)}")
        entry_key = item.get("id")
        if entry_key is None:
            if "code" not in item or "message" not in item:
                raise CatalogError(f"{path}:{line}: an entry needs an id, or a code and a message")
            try:
                entry_key = entry_id(int(item["code"]), str(item["message"]))
            except (TypeError, ValueError) as exc:
                raise CatalogError(f"{path}:{line}: code must be a status code") from exc
        entry_key = str(entry_key)
        if entry_key in seen:
            raise CatalogError(
                f"{path}:{line}: duplicate id {entry_key!r} (first on line {seen[entry_key]})"
            )
        seen[entry_key] = line
        out.append(RawEntry(line=line, data={**item, "id": entry_key}))
    return out


def load_knowledge(directory: Path | None = None) -> list[Entry]:
    """Every entry of every knowledge/*.yaml file, checking that ids are unique."""
    directory = directory or knowledge_dir()
    entries: list[Entry] = []
    for path in sorted(directory.glob("*.yaml")):
        entries.extend(load_file(path))
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            raise CatalogError(f"duplicate entry id {e.id!r} in {directory}")
        seen.add(e.id)
    return entries


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_entries(entries: Iterable[Entry], header: str = "") -> str:
    """Entries as knowledge YAML text (the format `load_file` reads)."""
    body = yaml.dump(
        {"entries": [e.to_dict() for e in entries]},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return (header + body) if header else body


# -- operators' override_messages ----------------------------------------------------------------
# tyk.conf `override_messages` re-words the gateway's registered errors (the `TykErrors` ids,
# e.g. `auth.auth_field_missing`): `{"<id>": {"code": 401, "message": "…"}}`. Entries name the
# ids they stand for in `override_ids`, so an operator's texts can be added to the right ones.


@dataclass(frozen=True)
class Override:
    """One `override_messages` item: the TykErrors id, the operator's text and code."""

    error_id: str
    message: str
    code: int | None = None


def read_overrides(text: str) -> list[Override]:
    """The `override_messages` of a tyk.conf (JSON), or of that section's JSON alone."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CatalogError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError("expected a JSON object (tyk.conf or its override_messages)")
    section = data.get("override_messages", data if "override_messages" not in data else None)
    if not isinstance(section, dict):
        raise CatalogError("override_messages must be an object of {id: {code, message}}")
    out: list[Override] = []
    for error_id, value in section.items():
        if not is_override_id(str(error_id)):
            if "override_messages" in data:
                raise CatalogError(f"{error_id!r} is not a TykErrors id like auth.key_not_found")
            continue  # a whole tyk.conf without the section: nothing to read
        if not isinstance(value, dict):
            raise CatalogError(f"{error_id}: expected {{code, message}}")
        message = str(value.get("message") or "").strip()
        code = value.get("code")
        if code is not None and (
            not isinstance(code, int) or isinstance(code, bool) or not 100 <= code <= 599
        ):
            raise CatalogError(f"{error_id}: code must be an HTTP status code")
        if message or code:
            out.append(Override(str(error_id), message, code))
    return out


def override_changes(
    entries: Iterable[Entry], overrides: Iterable[Override]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """What the overrides add, `{entry_id: {"aliases": [...], "gateway_codes": [...]}}` (the
    whole new lists, only for entries that change), and the ids no entry names."""
    entries = [e for e in entries if e.status == "active"]
    changes: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    for o in overrides:
        named = [e for e in entries if o.error_id in e.override_ids]
        if not named:
            unknown.append(o.error_id)
            continue
        for e in named:
            current = changes.setdefault(
                e.id, {"aliases": list(e.aliases), "gateway_codes": list(e.gateway_codes)}
            )
            known = {a.lower() for a in current["aliases"]} | {e.message.lower()}
            if o.message and o.message.lower() not in known:
                current["aliases"].append(o.message)
            if o.code and o.code != e.code and o.code not in current["gateway_codes"]:
                # Codes the gateway really sends: the entry's own first, then the operator's.
                current["gateway_codes"] = [*(current["gateway_codes"] or [e.code]), o.code]
    changed = {
        eid: {k: v for k, v in c.items() if v != list(getattr(_by_id(entries, eid), k))}
        for eid, c in changes.items()
    }
    return {eid: c for eid, c in changed.items() if c}, unknown


def _by_id(entries: list[Entry], entry_id: str) -> Entry:
    return next(e for e in entries if e.id == entry_id)
