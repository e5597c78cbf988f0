"""deploy/ agrees with the code: the files parse, and every variable, port, path and command
they name exists (no container engine runs here, so nothing is built or started)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import typer.main
import yaml
from slack_bolt import App

from bot.cli import app as cli_app
from bot.config import Settings
from bot.slack.web import wsgi_app

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
# Variables the image sets for Python and pip themselves, not for tykbot.
RUNTIME_VARS = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_NO_CACHE_DIR"}
SETTINGS_VARS = {name.upper() for name in Settings.model_fields}
PORT = Settings.model_fields["port"].default


# -- parsers ----------------------------------------------------------------------------------
def dockerfile(path: Path = DEPLOY / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction: comments dropped, continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending, "a continuation runs off the end of the Dockerfile"
    return out


def docker_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in instructions:
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def exec_form(rest: str) -> list[str]:
    """A JSON-array instruction argument (CMD ["tykbot", "serve"])."""
    value = json.loads(rest)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), rest
    return value


def systemd_unit(path: Path = DEPLOY / "tykbot.service") -> dict[str, dict[str, list[str]]]:
    """[Section] -> key -> values, in order (systemd repeats keys such as Environment=)."""
    unit: dict[str, dict[str, list[str]]] = {}
    section: dict[str, list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = unit.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep and section is not None, f"not a unit line: {raw!r}"
        section.setdefault(key.strip(), []).append(value.strip())
    return unit


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in manifests() if d["kind"] == kind]


def tykbot_command(words: list[str]) -> Any:
    """The (click) command `tykbot <words>` runs (KeyError when there is none)."""
    assert words[0] == "tykbot", words
    command: Any = typer.main.get_command(cli_app)
    for word in words[1:]:
        assert hasattr(command, "commands"), f"{words}: {word!r} is not a sub-command"
        command = command.commands[word]
    assert not hasattr(command, "commands"), f"{words} names a group, not a command"
    return command


def readme_deploy_section() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^## Deploy\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README has no '## Deploy' section"
    return match.group(1)


# -- the files parse and name only what exists ------------------------------------------------
def test_every_kubernetes_manifest_parses_and_has_a_kind() -> None:
    kinds = sorted(d["kind"] for d in manifests())
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "Deployment",
        "Ingress",
        "Job",
        "Secret",
        "Service",
        "Service",
    ]
    assert all(d["apiVersion"] and d["metadata"]["name"] for d in manifests())


def test_every_variable_deploy_names_is_a_setting() -> None:
    named: dict[str, set[str]] = {}
    named["Dockerfile"] = set(docker_env(dockerfile())) - RUNTIME_VARS
    services = compose()["services"]
    tykbots = [s for s in services.values() if s.get("image") == services["bot"]["image"]]
    named["compose"] = {v for s in tykbots for v in s.get("environment", {})}
    for kind in ("ConfigMap", "Secret"):
        for doc in of_kind(kind):
            named[kind] = set(doc.get("data", {})) | set(doc.get("stringData", {}))
    named["Deployment"] = {
        env["name"]
        for doc in of_kind("Deployment")
        for container in doc["spec"]["template"]["spec"]["containers"]
        for env in container.get("env", [])
    }
    named["unit"] = {
        pair.split("=", 1)[0]
        for value in systemd_unit()["Service"]["Environment"]
        for pair in shlex.split(value)
    }
    named["README"] = set(re.findall(r"^\| `([A-Z_]+)`", readme_deploy_section(), re.M))
    for where, names in named.items():
        assert names, f"{where} names no variables (the parser is broken)"
        unknown = names - SETTINGS_VARS
        assert not unknown, f"{where} names variables Settings does not have: {sorted(unknown)}"


def test_the_readme_table_lists_every_variable_deploy_files_need() -> None:
    table = set(re.findall(r"^\| `([A-Z_]+)`", readme_deploy_section(), re.M))
    needed = {"DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT"}
    for doc in of_kind("ConfigMap") + of_kind("Secret"):
        needed |= set(doc.get("data", {})) | set(doc.get("stringData", {}))
    assert needed <= table, sorted(needed - table)
    separators = re.findall(r"^\| ---", readme_deploy_section(), re.M)
    assert len(separators) == 1, "one table of variables"


def test_the_port_is_the_settings_default_everywhere() -> None:
    instructions = dockerfile()
    assert [rest for word, rest in instructions if word == "EXPOSE"] == [str(PORT)]
    assert docker_env(instructions)["PORT"] == str(PORT)
    bot = compose()["services"]["bot"]
    assert bot["environment"]["PORT"] == str(PORT)
    assert bot["ports"] == [f"{PORT}:{PORT}"]
    names = set()
    for deployment in of_kind("Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert [p["containerPort"] for p in container["ports"]] == [PORT]
        names |= {p["name"] for p in container["ports"]}
    [configmap] = of_kind("ConfigMap")
    assert configmap["data"]["PORT"] == str(PORT)
    for service in of_kind("Service"):
        assert service["spec"]["ports"][0]["targetPort"] in names
    assert f"PORT={PORT}" in systemd_unit()["Service"]["Environment"]


@pytest.fixture(scope="module")
def served_paths() -> Any:
    """GET a path from the real WSGI app (with a database that answers)."""
    bolt = App(signing_secret="0" * 32, token="xoxb-x", token_verification_enabled=False)
    slack = SimpleNamespace(bolt=bolt, service=SimpleNamespace(healthy=lambda: True))
    application = wsgi_app(slack)  # type: ignore[arg-type]

    def get(path: str) -> str:
        statuses: list[str] = []
        environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
        b"".join(application(environ, lambda status, headers: statuses.append(status)))
        return statuses[0]

    return get


def test_the_health_path_is_served_by_the_app(served_paths: Any) -> None:
    paths = set()
    for word, rest in dockerfile():
        if word == "HEALTHCHECK":
            paths |= set(re.findall(r"/[a-z]+(?=['\"])", rest))
    for deployment in of_kind("Deployment"):
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        for probe in ("readinessProbe", "livenessProbe"):
            paths.add(container[probe]["httpGet"]["path"])
            assert container[probe]["httpGet"]["port"] in (PORT, "http")
    assert paths == {"/healthz"}
    assert served_paths("/healthz") == "200 OK"
    assert served_paths("/nothing-here") == "404 Not Found"  # the check can fail


def test_the_commands_exist_in_the_cli() -> None:
    commands: list[list[str]] = []
    for word, rest in dockerfile():
        if word == "CMD":
            commands.append(exec_form(rest))
    for service in compose()["services"].values():
        if "command" in service:
            commands.append(service["command"])
    for doc in of_kind("Deployment") + of_kind("Job"):
        for container in doc["spec"]["template"]["spec"]["containers"]:
            commands.append(container["command"])
    unit = systemd_unit()["Service"]
    for key in ("ExecStartPre", "ExecStart"):
        [line] = unit[key]
        words = shlex.split(line)
        commands.append(["tykbot", *words[1:]])
        assert words[0].endswith("/tykbot"), words
    assert ["tykbot", "serve"] in commands and ["tykbot", "db", "upgrade"] in commands
    for words in commands:
        tykbot_command(words)  # KeyError: no such command
    with pytest.raises(KeyError):
        tykbot_command(["tykbot", "db", "migrate"])


def test_the_image_is_slim_non_root_and_installs_the_postgres_extra() -> None:
    instructions = dockerfile()
    [base] = [rest for word, rest in instructions if word == "FROM"]
    assert re.fullmatch(r"python:3\.\d+-slim", base), base
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert "pip install" in runs and "'.[postgres]'" in runs
    [cmd] = [exec_form(rest) for word, rest in instructions if word == "CMD"]
    assert cmd == ["tykbot", "serve"]
    assert any(word == "HEALTHCHECK" for word, _ in instructions)


def test_compose_migrates_once_before_the_bot_and_k8s_runs_two_replicas() -> None:
    services = compose()["services"]
    assert services["migrate"]["command"] == ["tykbot", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["bot"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["bot"]["image"] == services["migrate"]["image"]
    deployment, commands = sorted(of_kind("Deployment"), key=lambda d: d["metadata"]["name"])
    [job] = of_kind("Job")
    assert deployment["spec"]["replicas"] == commands["spec"]["replicas"] == 2
    images = {
        c["image"]
        for doc in (deployment, commands, job)
        for c in doc["spec"]["template"]["spec"]["containers"]
    }
    assert images == {services["bot"]["image"]}
    unit = systemd_unit()
    assert unit["Service"]["User"] not in (["root"], ["0"])
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def role_of(deployment: dict[str, Any]) -> str:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    values = {e["name"]: e["value"] for e in container.get("env", [])}
    return str(values.get("TYKBOT_ROLE", Settings.model_fields["tykbot_role"].default))


def test_the_split_routes_slash_commands_to_the_commands_role(served_paths: Any) -> None:
    labels = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in of_kind("Deployment")
    }
    roles = {d["metadata"]["name"]: role_of(d) for d in of_kind("Deployment")}
    selectors = {s["metadata"]["name"]: s["spec"]["selector"] for s in of_kind("Service")}

    def role_behind(service: str) -> str:
        [pods] = [
            name for name, tags in labels.items() if selectors[service].items() <= tags.items()
        ]
        return roles[pods]

    [ingress] = of_kind("Ingress")
    routes = {
        p["path"]: role_behind(p["backend"]["service"]["name"])
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert routes == {"/slack/commands": "commands", "/": "all"}
    services = compose()["services"]
    assert services["commands"]["environment"]["TYKBOT_ROLE"] == "commands"
    assert services["commands"]["image"] == services["bot"]["image"]
    assert services["commands"]["profiles"] == ["split"]  # optional: `--profile split`
    assert "TYKBOT_ROLE" not in services["bot"]["environment"]
    manifest = (DEPLOY / "slack-app-manifest.yaml").read_text()
    assert "/slack/commands" in manifest
    for path in ("/slack/commands", "/slack/events"):
        assert served_paths(path) == "405 Method Not Allowed"  # served (POST only)
