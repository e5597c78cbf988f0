"""`tykbot gateways check` and `tykbot audit` as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.config import Settings
from bot.gateway.checks import Target
from bot.service import Service
from tests.gateway import fixtures as fx
from tests.gateway.fake_gateway import SECRET, FakeGateway

TYKBOT = [sys.executable, "-m", "bot.cli"]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TYKBOT, *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=60
    )


def test_gateways_check_prints_one_line_per_gateway(tyk: FakeGateway, tmp_path: object) -> None:
    tyk.routes["/hello"] = (200, fx.HELLO)
    env = {
        "TYKBOT_GATEWAYS": f"prod={tyk.url},down=http://127.0.0.1:9",
        "TYKBOT_GATEWAY_SECRET_PROD": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
    }
    done = _run(env, "gateways", "check")
    assert done.stdout.splitlines()[0] == "prod: version v5.5.0, status pass (redis pass)"
    assert done.stdout.splitlines()[1].startswith("down: unreachable:")
    assert done.returncode == 1 and SECRET not in done.stdout + done.stderr
    none = _run({**env, "TYKBOT_GATEWAYS": ""}, "gateways", "check")
    assert none.returncode == 1 and "no gateways configured" in none.stderr


def test_audit_lists_checks(settings: Settings, service: Service, tyk: FakeGateway) -> None:
    from bot.gateway.gateways import Gateway

    tyk.routes[f"/tyk/apis/{fx.API_ID}"] = (200, fx.api(active=False))
    gateway = Gateway("prod", tyk.url, SECRET)
    service.check_gateway(gateway, Target({"api_id": fx.API_ID}), user_id="UADMIN", kinds=["api"])
    service.refuse_check("prod", "UASKER", "CCHAN", "not a checker")
    env = {"DATABASE_URL": settings.database_url}
    rows = json.loads(_run(env, "audit", "--json").stdout)
    assert [(r["user_id"], r["outcome"]) for r in rows] == [
        ("UASKER", "refused"),
        ("UADMIN", "problem"),
    ]
    assert rows[1]["calls"][0].startswith(f"GET /tyk/apis/{fx.API_ID} → 200")
    text = _run(env, "audit").stdout
    assert "UADMIN prod problem" in text and "is not active" in text
