"""Gateway checks as a use case: run the checks an answer calls for, audit every attempt."""

from __future__ import annotations

from collections.abc import Iterable

from bot.gateway.checks import CheckResult, Finding, Target, choose_kinds, gateway_hello, run_checks
from bot.gateway.client import GatewayClient
from bot.gateway.gateways import Gateway, gateway_names, load_gateways
from bot.service.core import ServiceCore
from bot.store import repository as repo
from bot.store.repository import AuditRow

REFUSED = "refused"


class GatewayChecks(ServiceCore):
    """Read-only checks against the configured gateways, and their audit trail."""

    def gateway_names(self) -> tuple[str, ...]:
        """The configured gateways' names (empty: gateway checks are off)."""
        return gateway_names(self.settings)

    def gateway(self, name: str) -> Gateway | None:
        """One configured gateway, with its secret."""
        return next((g for g in load_gateways(self.settings) if g.name == name), None)

    def hello_lines(self) -> list[str]:
        """One line per gateway: `GET /hello`'s version and health, or why it did not answer."""
        return [gateway_hello(GatewayClient(g)) for g in load_gateways(self.settings)]

    def check_gateway(
        self,
        gateway: Gateway,
        target: Target,
        tags: Iterable[str] = (),
        *,
        user_id: str,
        channel_id: str = "",
        kinds: list[str] | None = None,
    ) -> tuple[CheckResult, int]:
        """Run the checks for `tags` and the target's values; audit it. Returns the result and
        the audit row's id."""
        chosen = kinds if kinds is not None else choose_kinds(tags, target.values, bool(target.key))
        result = run_checks(GatewayClient(gateway), target, chosen)
        audit_id = self._audit(result, user_id, channel_id, chosen)
        return result, audit_id

    def refuse_check(self, gateway: str, user_id: str, channel_id: str, why: str) -> int:
        """Audit a check that was not run (not a checker, or not in this channel)."""
        finding = Finding("none", REFUSED, why)
        return self._audit(CheckResult(gateway, "", (finding,)), user_id, channel_id, [])

    def _audit(self, result: CheckResult, user_id: str, channel_id: str, kinds: list[str]) -> int:
        refused = any(f.status == REFUSED for f in result.findings)
        with self.session() as s:
            return repo.add_gateway_check(
                s,
                user_id=user_id[:80],
                channel_id=channel_id[:80],
                gateway=result.gateway[:40],
                target=result.target[:300],
                kinds=kinds,
                calls=list(result.calls),
                outcome=REFUSED if refused else result.outcome,
                verdict=result.verdict,
                evidence=result.lines(),
            )

    def audit_row(self, check_id: int) -> AuditRow | None:
        """One audited check (to share it)."""
        with self.session() as s:
            return repo.gateway_check(s, check_id)

    def audit(self, limit: int = 50) -> list[AuditRow]:
        """The latest audited checks, newest first."""
        with self.session() as s:
            return repo.gateway_checks(s, limit)
