"""Checks per error kind: a few read-only Gateway API calls, a verdict and its evidence.

Plain Python over a GatewayClient: which checks run is chosen from the entry's tags and the
paste's values (`choose_kinds`); each check returns a Finding; `run_checks` puts them into one
CheckResult whose text holds no secret (a key appears only as its last 4 characters, OAuth
client secrets never).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from bot.gateway.client import GatewayClient, Reply, mask

KINDS = ("api", "upstream", "key", "policy", "cert", "oauth")
# Entry tags -> the checks that confirm such an error's cause.
TAG_KINDS: dict[str, tuple[str, ...]] = {
    "upstream": ("upstream",),
    "proxy": ("upstream",),
    "auth": ("key",),
    "keys": ("key",),
    "quota": ("key",),
    "rate-limit": ("key",),
    "policies": ("policy",),
    "certificates": ("cert",),
    "mtls": ("cert",),
    "oauth": ("oauth",),
    "versioning": ("api",),
    "validation": ("api",),
}
OK, PROBLEM, UNKNOWN = "ok", "problem", "unknown"
SOON_DAYS = 14


@dataclass(frozen=True)
class Finding:
    """One check's verdict (ok / problem / unknown), its sentence and the evidence lines."""

    kind: str
    status: str
    verdict: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """What one check on one gateway found, and the calls it made (as they may be shown)."""

    gateway: str
    target: str
    findings: tuple[Finding, ...]
    calls: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        """`problem` if any check found one, `ok` if all passed, else `unknown`."""
        statuses = {f.status for f in self.findings}
        if PROBLEM in statuses:
            return PROBLEM
        return OK if statuses == {OK} else UNKNOWN

    @property
    def verdict(self) -> str:
        """The headline: the first problem found, else the first finding's sentence."""
        for f in self.findings:
            if f.status == PROBLEM:
                return f.verdict
        return self.findings[0].verdict if self.findings else "Nothing to check."

    def lines(self) -> list[str]:
        """Every finding's verdict and evidence, as plain text lines."""
        out: list[str] = []
        for f in self.findings:
            mark = {OK: "✓", PROBLEM: "✗"}.get(f.status, "?")
            out.append(f"{mark} {f.verdict}")
            out.extend(f"    {line}" for line in f.evidence)
        return out

    def text(self) -> str:
        """The result as plain text (terminal, README, share)."""
        head = f"Check on {self.gateway}: {self.target}" if self.target else f"{self.gateway}"
        calls = "Calls: " + "; ".join(self.calls) if self.calls else ""
        return "\n".join([head, *self.lines(), *([calls] if calls else [])])


@dataclass
class Target:
    """What to check: values from the paste (or the command), and a key given privately."""

    values: dict[str, str] = field(default_factory=dict)
    key: str = field(default="", repr=False)

    @property
    def label(self) -> str:
        v = self.values
        name = v.get("api_id") or v.get("listen_path") or v.get("policy_id") or ""
        name = name or v.get("cert_id", "")[:16]
        return f"{name}, key {mask(self.key)}" if self.key and name else name or mask_or(self.key)


def mask_or(key: str) -> str:
    return f"key {mask(key)}" if key else ""


def choose_kinds(tags: Iterable[str], values: Mapping[str, str], key_given: bool) -> list[str]:
    """The checks for an entry's tags and the paste's values, in reading order."""
    kinds: list[str] = []
    for tag in tags:
        for kind in TAG_KINDS.get(tag, ()):
            if kind not in kinds:
                kinds.append(kind)
    if "key" in kinds and not key_given:
        kinds.remove("key")
    if key_given and "key" not in kinds:
        kinds.append("key")
    if values.get("policy_id") and "policy" not in kinds:
        kinds.append("policy")
    if values.get("cert_id") and "cert" not in kinds:
        kinds.append("cert")
    if (values.get("api_id") or values.get("listen_path")) and "api" not in kinds:
        kinds.insert(0, "api")
    return [k for k in KINDS if k in kinds]


# -- helpers ---------------------------------------------------------------------------------
def _failed(kind: str, reply: Reply) -> Finding:
    return Finding(kind, UNKNOWN, f"Could not ask the gateway: {reply.error}", (reply.line(),))


def _when(value: Any) -> datetime | None:
    """A Tyk time: Unix seconds (>0), or an RFC 3339 string."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _norm_path(path: str) -> str:
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


@dataclass
class Checker:
    """Runs the chosen checks over one client, sharing what one call already fetched."""

    client: GatewayClient
    target: Target
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    _api: tuple[dict[str, Any] | None, Finding | None] | None = None

    @property
    def values(self) -> dict[str, str]:
        return self.target.values

    # -- the API definition, by id or listen path ----------------------------------------------
    def api(self) -> tuple[dict[str, Any] | None, Finding | None]:
        """The API definition, or the Finding that says why there is none (fetched once)."""
        if self._api is None:
            self._api = self._fetch_api()
        return self._api

    def _fetch_api(self) -> tuple[dict[str, Any] | None, Finding | None]:
        api_id, listen = self.values.get("api_id"), self.values.get("listen_path")
        if api_id:
            reply = self.client.get("/tyk/apis/{id}", id=api_id)
            if reply.status == 404 and not reply.error:
                return None, Finding(
                    "api", PROBLEM, f"API {api_id} does not exist on this gateway."
                )
            if not reply.ok or not isinstance(reply.data, dict):
                return None, _failed("api", reply)
            return reply.data, None
        if listen:
            reply = self.client.get("/tyk/apis")
            if not reply.ok or not isinstance(reply.data, list):
                return None, _failed("api", reply)
            wanted = _norm_path(listen)
            for d in reply.data:
                proxy = d.get("proxy") if isinstance(d, dict) else None
                if isinstance(proxy, dict) and _norm_path(str(proxy.get("listen_path"))) == wanted:
                    return d, None
            return None, Finding("api", PROBLEM, f"No API on this gateway listens on {listen}.")
        return None, Finding("api", UNKNOWN, "The paste names no API id or listen path to check.")

    # -- the checks ---------------------------------------------------------------------------
    def check_api(self) -> Finding:
        """Exists, active, listen path, target, auth mode, versioning, allow/block lists."""
        d, missing = self.api()
        if d is None:
            assert missing is not None
            return missing
        name = str(d.get("name") or d.get("api_id"))
        proxy = d.get("proxy") or {}
        target = str(proxy.get("target_url") or "")
        evidence = [
            f"api_id {d.get('api_id')}, name {name}, active {bool(d.get('active'))}",
            f"listen path {proxy.get('listen_path')}, target {target or '(none)'}",
            f"auth: {auth_mode(d)}",
            f"versioning: {versioning(d)}",
        ]
        path = self.values.get("path", "")
        listed = path_lists(d, path) if path else []
        evidence += listed
        if not d.get("active", False):
            return Finding("api", PROBLEM, f"API {name} exists but is not active.", tuple(evidence))
        blocked = [line for line in listed if line.startswith("blocked") or "not on" in line]
        if blocked:
            return Finding("api", PROBLEM, f"API {name}: {blocked[0]}.", tuple(evidence))
        verdict = f"API {name} exists, is active, target {target or '(none)'}"
        host = self.values.get("host", "").lower()
        if host and host == _host(target):
            verdict += ": the host from your error"
        return Finding("api", OK, verdict + ".", tuple(evidence))

    def check_upstream(self) -> Finding:
        """The API's target host(s) and timeouts, and the gateway's own dependencies."""
        evidence: list[str] = []
        hello = self.client.get("/hello")
        unhealthy: list[str] = []
        if hello.ok and isinstance(hello.data, dict):
            details = hello.data.get("details") or {}
            for component, item in details.items() if isinstance(details, dict) else ():
                status = item.get("status") if isinstance(item, dict) else None
                evidence.append(f"gateway dependency {component}: {status}")
                if status != "pass":
                    unhealthy.append(f"{component} is {status}")
        else:
            evidence.append(f"/hello: {hello.error or hello.status}")
        d, missing = (
            self.api()
            if self.values.get("api_id") or self.values.get("listen_path")
            else (None, None)
        )
        targets: list[str] = []
        if d is not None:
            proxy = d.get("proxy") or {}
            targets = [str(proxy.get("target_url") or "")]
            if proxy.get("enable_load_balancing"):
                targets = [str(t) for t in proxy.get("target_list") or []] or targets
            sd = proxy.get("service_discovery") or {}
            if isinstance(sd, dict) and sd.get("use_discovery_service"):
                evidence.append(
                    f"targets come from service discovery at {sd.get('query_endpoint')}"
                )
            evidence.append("targets: " + ", ".join(targets))
            evidence += hard_timeouts(d, self.values.get("path", ""))
        elif missing is not None and missing.status == PROBLEM:
            return Finding("upstream", PROBLEM, missing.verdict, tuple(evidence))
        if unhealthy:
            verdict = "The gateway reports " + ", ".join(unhealthy) + "."
            return Finding("upstream", PROBLEM, verdict, tuple(evidence))
        host = self.values.get("host", "").lower()
        hosts = {_host(t) for t in targets}
        if host and targets and host not in hosts:
            verdict = (
                f"Your error names {host}, but the API now targets {', '.join(sorted(hosts))}."
            )
            return Finding("upstream", PROBLEM, verdict, tuple(evidence))
        if host and host in hosts:
            verdict = (
                f"The API targets {host}, the host from your error; the gateway is healthy, "
                "so the upstream (or its DNS) is the cause."
            )
            return Finding("upstream", OK, verdict, tuple(evidence))
        if not hello.ok:
            return Finding(
                "upstream", UNKNOWN, "The gateway's health could not be read.", tuple(evidence)
            )
        return Finding(
            "upstream", OK, "The gateway reports its dependencies healthy.", tuple(evidence)
        )

    def check_key(self) -> Finding:
        """The key's existence, state, expiry, quota, rate limits and policies."""
        key = self.target.key
        shown = mask(key)
        query = {"api_id": self.values.get("api_id", "")}
        reply = self.client.get("/tyk/keys/{key}", query, key=key)
        if reply.status == 404 and not reply.error:
            return Finding("key", PROBLEM, f"Key {shown} does not exist on this gateway.")
        if not reply.ok or not isinstance(reply.data, dict):
            return _failed("key", reply)
        s = reply.data
        evidence = [f"policies: {', '.join(map(str, s.get('apply_policies') or [])) or 'none'}"]
        expires = _when(s.get("expires"))
        evidence.append(f"expires: {_date(expires) if expires else 'never'}")
        limit = _key_limit(s, self.values.get("api_id", ""))
        quota_max = int(limit.get("quota_max") or 0)
        remaining = int(limit.get("quota_remaining") or 0)
        renews = _when(limit.get("quota_renews"))
        if quota_max > 0:
            renew = f", renews {_date(renews)}" if renews else ""
            evidence.append(f"quota: {remaining} of {quota_max} left{renew}")
        else:
            evidence.append("quota: unlimited")
        evidence.append(f"rate limit: {limit.get('rate')} per {limit.get('per')} s")
        rights = s.get("access_rights") or {}
        api_id = self.values.get("api_id", "")
        if s.get("is_inactive"):
            return Finding("key", PROBLEM, f"Key {shown} is inactive.", tuple(evidence))
        if expires and expires < self.now:
            verdict = f"Key {shown} expired on {_date(expires)}."
            return Finding("key", PROBLEM, verdict, tuple(evidence))
        if quota_max > 0 and remaining <= 0:
            verdict = f"Key {shown} has used its quota ({quota_max})"
            verdict += f"; it renews {_date(renews)}." if renews else "."
            return Finding("key", PROBLEM, verdict, tuple(evidence))
        if api_id and isinstance(rights, dict) and rights and api_id not in rights:
            verdict = f"Key {shown} has no access to API {api_id}."
            return Finding("key", PROBLEM, verdict, tuple(evidence))
        return Finding(
            "key", OK, f"Key {shown} exists, is active and within its quota.", tuple(evidence)
        )

    def check_policy(self) -> Finding:
        """The policy's existence, state, limits and the APIs it grants."""
        policy_id = self.values.get("policy_id", "")
        if not policy_id:
            return Finding("policy", UNKNOWN, "The paste names no policy id to check.")
        reply = self.client.get("/tyk/policies/{id}", id=policy_id)
        if reply.status == 404 and not reply.error:
            return Finding("policy", PROBLEM, f"Policy {policy_id} does not exist on this gateway.")
        if not reply.ok or not isinstance(reply.data, dict):
            return _failed("policy", reply)
        p = reply.data
        name = str(p.get("name") or policy_id)
        rights = p.get("access_rights") or {}
        evidence = [
            f"name {name}, active {bool(p.get('active', True)) and not p.get('is_inactive')}",
            f"rate {p.get('rate')} per {p.get('per')} s, quota {p.get('quota_max')}",
            f"keys expire after {p.get('key_expires_in') or 'never'} s",
            "APIs: " + (", ".join(sorted(rights)) if isinstance(rights, dict) else "?"),
        ]
        if p.get("is_inactive") or p.get("active") is False:
            return Finding("policy", PROBLEM, f"Policy {name} is inactive.", tuple(evidence))
        api_id = self.values.get("api_id", "")
        if api_id and isinstance(rights, dict) and api_id not in rights:
            verdict = f"Policy {name} grants no access to API {api_id}."
            return Finding("policy", PROBLEM, verdict, tuple(evidence))
        return Finding("policy", OK, f"Policy {name} exists and is active.", tuple(evidence))

    def check_cert(self) -> Finding:
        """The certificate's fingerprint and expiry (or every certificate of the org)."""
        cert_id = self.values.get("cert_id", "")
        if cert_id:
            reply = self.client.get("/tyk/certs/{id}", id=cert_id)
            if reply.status == 404 and not reply.error:
                verdict = f"Certificate {cert_id[:16]}… is not on this gateway."
                return Finding("cert", PROBLEM, verdict)
            if not reply.ok or not isinstance(reply.data, dict):
                return _failed("cert", reply)
            return self._cert_finding(reply.data)
        org_id = self.values.get("org_id", "")
        reply = self.client.get("/tyk/certs", {"org_id": org_id, "mode": "detailed"})
        if not reply.ok or not isinstance(reply.data, dict):
            return _failed("cert", reply)
        certs = [c for c in reply.data.get("certs") or [] if isinstance(c, dict)]
        expired = [c for c in certs if (t := _when(c.get("not_after"))) and t < self.now]
        evidence = [_cert_line(c) for c in certs[:5]]
        if expired:
            verdict = f"{len(expired)} of {len(certs)} certificates have expired."
            return Finding("cert", PROBLEM, verdict, tuple(evidence))
        return Finding("cert", OK, f"{len(certs)} certificates, none expired.", tuple(evidence))

    def _cert_finding(self, c: dict[str, Any]) -> Finding:
        evidence = (_cert_line(c), f"fingerprint {c.get('fingerprint') or str(c.get('id'))[-64:]}")
        not_after = _when(c.get("not_after"))
        subject = _subject(c)
        if not_after and not_after < self.now:
            verdict = f"Certificate {subject} expired on {_date(not_after)}."
            return Finding("cert", PROBLEM, verdict, evidence)
        if not_after and (not_after - self.now).days < SOON_DAYS:
            verdict = f"Certificate {subject} expires soon ({_date(not_after)})."
            return Finding("cert", PROBLEM, verdict, evidence)
        return Finding("cert", OK, f"Certificate {subject} is on the gateway and valid.", evidence)

    def check_oauth(self) -> Finding:
        """Whether the API uses OAuth 2.0 and has clients (never their secrets)."""
        d, missing = self.api()
        if d is None:
            assert missing is not None
            return Finding("oauth", missing.status, missing.verdict)
        api_id = str(d.get("api_id") or "")
        name = str(d.get("name") or api_id)
        if not d.get("use_oauth2"):
            verdict = f"API {name} does not use OAuth 2.0 (use_oauth2 is off)."
            return Finding("oauth", PROBLEM, verdict, (f"auth: {auth_mode(d)}",))
        reply = self.client.get("/tyk/oauth/clients/{id}", id=api_id)
        clients = reply.data if reply.ok and isinstance(reply.data, list) else []
        if reply.error:
            return _failed("oauth", reply)
        evidence = tuple(
            f"client {c.get('client_id')}, redirect {c.get('redirect_uri') or '(none)'}"
            for c in clients[:5]
            if isinstance(c, dict)
        )
        if not clients:
            return Finding("oauth", PROBLEM, f"API {name} has no OAuth clients.", evidence)
        return Finding(
            "oauth", OK, f"API {name} uses OAuth 2.0 with {len(clients)} client(s).", evidence
        )


CHECKS: dict[str, Callable[[Checker], Finding]] = {
    "api": Checker.check_api,
    "upstream": Checker.check_upstream,
    "key": Checker.check_key,
    "policy": Checker.check_policy,
    "cert": Checker.check_cert,
    "oauth": Checker.check_oauth,
}


def run_checks(client: GatewayClient, target: Target, kinds: Iterable[str]) -> CheckResult:
    """Run the checks in order; a gateway that does not answer ends it with one line."""
    checker = Checker(client, target)
    findings: list[Finding] = []
    for kind in kinds:
        finding = CHECKS[kind](checker)
        same = next((i for i, f in enumerate(findings) if f.verdict == finding.verdict), None)
        if same is None:
            findings.append(finding)
        else:  # two checks that end in one fact (the API is missing) say it once
            before = findings[same]
            extra = tuple(e for e in finding.evidence if e not in before.evidence)
            findings[same] = replace(before, evidence=before.evidence + extra)
        last = client.calls[-1] if client.calls else None
        if last is not None and last.status == 0:
            break  # down or slow: don't wait on it again
    if not findings:
        findings.append(Finding("none", UNKNOWN, "Nothing in this error names something to check."))
    calls = tuple(r.line() for r in client.calls)
    return CheckResult(client.gateway.name, target.label, tuple(findings), calls)


def gateway_hello(client: GatewayClient) -> str:
    """`prod: Tyk v5.5.0, status pass (redis pass)` or `prod: unreachable: ...` in one line."""
    reply = client.get("/hello")
    name = client.gateway.name
    if not reply.ok or not isinstance(reply.data, dict):
        return f"{name}: {reply.error or f'HTTP {reply.status}'}"
    d = reply.data
    details = d.get("details") or {}
    parts = [f"{k} {v.get('status')}" for k, v in details.items() if isinstance(v, dict)]
    health = f" ({', '.join(parts)})" if parts else ""
    return f"{name}: version {d.get('version') or '?'}, status {d.get('status') or '?'}{health}"


# -- reading an API definition ---------------------------------------------------------------
def auth_mode(d: Mapping[str, Any]) -> str:
    """The API's authentication in words."""
    modes = [
        label
        for flag, label in (
            ("use_keyless", "keyless"),
            ("use_standard_auth", "auth token"),
            ("use_oauth2", "OAuth 2.0"),
            ("enable_jwt", "JWT"),
            ("use_basic_auth", "basic auth"),
            ("enable_signature_checking", "HMAC"),
            ("use_mutual_tls_auth", "mutual TLS"),
            ("use_openid", "OpenID Connect"),
            ("enable_coprocess_auth", "plugin auth"),
        )
        if d.get(flag)
    ]
    return ", ".join(modes) or "auth token (default)"


def _versions(d: Mapping[str, Any]) -> dict[str, Any]:
    vd = d.get("version_data") or {}
    versions = vd.get("versions") if isinstance(vd, dict) else None
    return versions if isinstance(versions, dict) else {}


def versioning(d: Mapping[str, Any]) -> str:
    """`not versioned` or `versions v1, v2 (header version)`."""
    vd = d.get("version_data") or {}
    if isinstance(vd, dict) and vd.get("not_versioned", True):
        return "not versioned"
    where = d.get("definition") or {}
    how = f" ({where.get('location')} {where.get('key')})" if isinstance(where, dict) else ""
    return "versions " + ", ".join(sorted(_versions(d))) + how


def _matches(entry: Mapping[str, Any], path: str) -> bool:
    pattern = str(entry.get("path") or "")
    return bool(pattern) and (path == pattern or path.startswith(pattern.rstrip("/") + "/"))


def path_lists(d: Mapping[str, Any], full_path: str) -> list[str]:
    """Allow/block list lines for the paste's path, in each version (path after listen path)."""
    listen = str((d.get("proxy") or {}).get("listen_path") or "/")
    path = full_path
    if (d.get("proxy") or {}).get("strip_listen_path", True) and path.startswith(
        listen.rstrip("/")
    ):
        path = "/" + path[len(listen.rstrip("/")) :].lstrip("/")
    out: list[str] = []
    for name, version in _versions(d).items():
        ext = version.get("extended_paths") if isinstance(version, dict) else None
        if not isinstance(ext, dict):
            continue
        for entry in ext.get("black_list") or []:
            if isinstance(entry, dict) and not entry.get("disabled") and _matches(entry, path):
                out.append(f"blocked: {path} is on the block list of version {name}")
        allow = [
            e for e in ext.get("white_list") or [] if isinstance(e, dict) and not e.get("disabled")
        ]
        if allow and not any(_matches(e, path) for e in allow):
            out.append(f"{path} is not on the allow list of version {name}")
        elif allow:
            out.append(f"{path} is on the allow list of version {name}")
    return out


def hard_timeouts(d: Mapping[str, Any], full_path: str) -> list[str]:
    """The per-endpoint upstream timeouts that apply (all of them when no path is known)."""
    out = []
    for name, version in _versions(d).items():
        ext = version.get("extended_paths") if isinstance(version, dict) else None
        for t in (ext or {}).get("hard_timeouts") or [] if isinstance(ext, dict) else []:
            if isinstance(t, dict) and (not full_path or str(t.get("path")) in full_path):
                out.append(
                    f"timeout {t.get('timeout')} s on {t.get('method')} {t.get('path')} ({name})"
                )
    return out or ["no per-endpoint timeouts: the gateway's proxy_default_timeout applies"]


def _key_limit(s: Mapping[str, Any], api_id: str) -> dict[str, Any]:
    rights = s.get("access_rights") or {}
    per_api = rights.get(api_id, {}).get("limit") if api_id and isinstance(rights, dict) else None
    return dict(per_api) if isinstance(per_api, dict) and per_api else dict(s)


def _subject(c: Mapping[str, Any]) -> str:
    subject = c.get("subject")
    if isinstance(subject, dict) and subject.get("CommonName"):
        return str(subject["CommonName"])
    return str(c.get("subject_cn") or str(c.get("id"))[:16])


def _cert_line(c: Mapping[str, Any]) -> str:
    not_after = _when(c.get("not_after"))
    return f"{_subject(c)}: expires {_date(not_after) if not_after else '?'}"
