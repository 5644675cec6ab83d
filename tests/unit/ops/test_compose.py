"""Static checks of Dockerfile and docker-compose.yml against the code (no Docker needed).

The stack cannot be started on every machine, so these checks keep the
container definitions in step with the repository: every service folder has a
container, every env var set is one config.yml reads, every container has a
healthcheck, and every module a command names exists.
"""

import re
import shlex
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
INFRA = {"rabbitmq", "mongo"}
# kit.run is `nameko run` with a bounded stop (SHUTDOWN_SECONDS).
NAMEKO_RUN = ["python", "-m", "kit.run", "--config", "config.yml"]
SECRETS = ("JWT_SECRET", "PINGJIAN_ADMIN_USER", "PINGJIAN_ADMIN_PASSWORD", "PINGJIAN_DATA_KEYS")
RUNTIME_PATHS = ("config.yml", "requirements.txt", "kit", "contracts", "services", "gateway")

# SafeLoader resolves the `<<:` merge keys used by the x-app anchors.
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
CONTAINERS = COMPOSE["services"]
APPS = {name: c for name, c in CONTAINERS.items() if name not in INFRA}
CONFIG_TEXT = (ROOT / "config.yml").read_text()
CONFIG_VARS = set(re.findall(r"\$\{([A-Z0-9_]+)", CONFIG_TEXT))
# Folders the code has: every services/<name>/ with a service.py.
SERVICE_FOLDERS = sorted(p.parent.name for p in (ROOT / "services").glob("*/service.py"))


def argv(value):
    """A compose command / healthcheck test as an argv list."""
    if isinstance(value, str):
        return shlex.split(value)
    if value and value[0] == "CMD":
        return list(value[1:])
    if value and value[0] == "CMD-SHELL":
        return shlex.split(value[1])
    return list(value)


def env(container):
    """A container's environment as {name: value or None}, list or mapping form."""
    raw = container.get("environment") or {}
    if isinstance(raw, dict):
        return raw
    return dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)


def nameko_target(container):
    """'module:Class' that `python -m kit.run` starts in this container."""
    cmd = argv(container["command"])
    assert cmd[:len(NAMEKO_RUN)] == NAMEKO_RUN, f"command must start with {' '.join(NAMEKO_RUN)}: {cmd}"
    return cmd[len(NAMEKO_RUN)]


def module_file(module):
    return ROOT / (module.replace(".", "/") + ".py")


def dockerfile_instructions():
    """[(INSTRUCTION, arguments)] with line continuations joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


# --- services <-> containers -------------------------------------------------


def test_service_folders_are_found():
    # Guards the checks below against passing on an empty discovery.
    assert SERVICE_FOLDERS, "no services/<name>/service.py found"


@pytest.mark.parametrize("folder", SERVICE_FOLDERS)
def test_every_service_folder_has_a_container_that_runs_it(folder):
    assert folder in CONTAINERS, f"services/{folder}/ has no container in docker-compose.yml"
    assert nameko_target(CONTAINERS[folder]).startswith(f"services.{folder}.service:")


@pytest.mark.parametrize("name", sorted(set(APPS) - {"gateway"}))
def test_every_service_container_runs_its_own_existing_service_folder(name):
    module, _, cls = nameko_target(APPS[name]).partition(":")
    assert module == f"services.{name}.service" and cls, f"{name} runs {module}:{cls}"
    assert module_file(module).is_file(), f"{name} runs {module}, but {module_file(module)} is missing"
    source = module_file(module).read_text()
    assert re.search(rf"^class {cls}\b", source, re.M), f"{module} defines no class {cls}"
    # kit.healthcheck calls rpc.<container name>.health(), so the nameko name must match.
    assert re.search(rf"^\s+name\s*=\s*[\"']{name}[\"']", source, re.M), f"{cls}.name is not {name!r}"


def published_ports(container):
    """A container's `ports` as short-syntax strings ('[ip:]published:target')."""
    return [str(p) if not isinstance(p, dict) else f"{p.get('host_ip', '') + ':' if p.get('host_ip') else ''}"
            f"{p.get('published', '')}:{p['target']}" for p in container.get("ports") or []]


def test_gateway_runs_gateway_service_and_listens_on_its_published_port():
    gateway = APPS["gateway"]
    assert nameko_target(gateway) == "gateway.service:GatewayService"
    assert module_file("gateway.service").is_file(), "gateway/service.py is missing"
    assert re.search(r"^class GatewayService\b", module_file("gateway.service").read_text(), re.M)
    assert env(gateway).get("GATEWAY_ADDRESS") == "0.0.0.0:8000"
    published = published_ports(gateway)
    assert len(published) == 1 and published[0].endswith(":8000"), published


@pytest.mark.parametrize("name", sorted(set(CONTAINERS) - {"gateway"}))
def test_only_the_gateway_publishes_a_port(name):
    # A published port is a host port: the host's own RabbitMQ (5672, and 15672 once `make test` enabled
    # its management plugin) or `make run` (8000) would make `docker compose up` fail with
    # "port is already allocated". The containers reach each other on the compose network.
    assert not published_ports(CONTAINERS[name]), f"{name} publishes {published_ports(CONTAINERS[name])}"
    assert not CONTAINERS[name].get("network_mode"), f"{name} shares a network namespace (host ports)"


def test_the_gateway_port_is_set_by_env_with_a_default_apart_from_make_run():
    (published,) = published_ports(APPS["gateway"])
    host_part = published.rsplit(":", 1)[0]
    m = re.fullmatch(r"(?:127\.0\.0\.1:)?\$\{PINGJIAN_HTTP_PORT:-(\d+)\}", host_part)
    assert m, f"the gateway's host port must be ${{PINGJIAN_HTTP_PORT:-<default>}}: {published}"
    assert m.group(1) != "8000", "`make run` holds 8000 on the same machine"
    # ops/compose_smoke.py reaches the stack on the port it gives compose.
    assert "PINGJIAN_HTTP_PORT" in (ROOT / "ops" / "compose_smoke.py").read_text()


def test_no_variable_is_required_by_compose_itself():
    # `${NAME:?message}` / `${NAME?message}` make every compose command fail while NAME is unset,
    # `make down` and `docker compose logs` included; `make up` checks what the stack needs instead.
    text = (ROOT / "docker-compose.yml").read_text()
    required = re.findall(r"\$\{[A-Za-z0-9_]+:?\?[^}]*\}", text)
    assert not required, f"docker-compose.yml requires {required}"


# --- environment ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(APPS))
def test_app_containers_only_set_env_vars_that_config_yml_reads(name):
    unknown = set(env(APPS[name])) - CONFIG_VARS
    assert not unknown, f"{name} sets {sorted(unknown)}, which config.yml never reads"


@pytest.mark.parametrize("name", sorted(APPS))
def test_app_containers_reach_broker_and_replica_set_by_compose_service_name(name):
    # 127.0.0.1 inside a container is the container itself, not the broker.
    e = env(APPS[name])
    assert "@rabbitmq:5672" in (e.get("AMQP_URI") or ""), e.get("AMQP_URI")
    assert (e.get("MONGO_URI") or "").startswith("mongodb://mongo:27017/"), e.get("MONGO_URI")
    assert "replicaSet=" in e["MONGO_URI"]


@pytest.mark.parametrize("name", sorted(APPS))
def test_compose_defaults_match_config_yml_defaults(name):
    # `${NAME:-default}` in compose duplicates config.yml's `${NAME:default}`; keep them equal.
    config_defaults = dict(re.findall(r"\$\{([A-Z0-9_]+):([^}]*)\}", CONFIG_TEXT))
    for var, value in env(APPS[name]).items():
        m = re.fullmatch(r"\$\{([A-Z0-9_]+):-([^}]*)\}", str(value))
        if m:
            assert m.group(1) == var, f"{name}: {var} interpolates {m.group(1)}"
            assert m.group(2) == config_defaults.get(var), f"{name}: default of {var} differs from config.yml"


# Who needs which secret: the gateway signs tokens; the accounts service creates the first admin.
SECRET_HOLDERS = {"JWT_SECRET": "gateway", "PINGJIAN_ADMIN_USER": "accounts", "PINGJIAN_ADMIN_PASSWORD": "accounts",
                  "PINGJIAN_DATA_KEYS": "cases"}


@pytest.mark.parametrize("var", SECRETS)
def test_each_secret_goes_to_the_container_that_uses_it_from_the_environment(var):
    holder = SECRET_HOLDERS[var]
    # Empty when unset: the gateway refuses a missing or weak JWT_SECRET, and `make up` names
    # whatever is missing before it starts anything.
    assert env(APPS[holder]).get(var) == f"${{{var}:-}}", f"{holder} {var}={env(APPS[holder]).get(var)!r}"


def test_make_up_checks_the_secrets_the_containers_need():
    checker = (ROOT / "ops" / "check_compose_env.sh").read_text()
    for var in SECRETS:
        assert var in checker, f"ops/check_compose_env.sh does not check {var}"


@pytest.mark.parametrize("name", sorted(APPS))
def test_no_container_receives_a_secret_it_does_not_use(name):
    leaked = {var for var in set(SECRETS) & set(env(APPS[name])) if SECRET_HOLDERS[var] != name}
    assert not leaked, f"{name} does not need {sorted(leaked)}"


# --- health and start order ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONTAINERS))
def test_every_container_has_a_healthcheck(name):
    hc = CONTAINERS[name].get("healthcheck") or {}
    assert not hc.get("disable") and argv(hc.get("test") or []), f"{name} has no healthcheck test"
    assert argv(hc["test"]) != ["NONE"]


@pytest.mark.parametrize("name", sorted(APPS))
def test_app_containers_start_after_healthy_broker_and_database(name):
    deps = APPS[name].get("depends_on") or {}
    assert isinstance(deps, dict), f"{name}: depends_on needs the long form with conditions"
    for infra in sorted(INFRA):
        assert (deps.get(infra) or {}).get("condition") == "service_healthy", f"{name} -> {infra}"


def test_gateway_starts_after_every_service_is_healthy():
    deps = APPS["gateway"].get("depends_on") or {}
    for name in sorted(set(APPS) - {"gateway"}):
        assert (deps.get(name) or {}).get("condition") == "service_healthy", f"gateway -> {name}"


@pytest.mark.parametrize("name", sorted(APPS))
def test_app_containers_restart_unless_stopped(name):
    assert APPS[name].get("restart") == "unless-stopped"


def test_mongo_is_a_replica_set_that_its_healthcheck_initiates():
    mongo = CONTAINERS["mongo"]
    cmd = argv(mongo["command"])
    assert "--replSet" in cmd, f"mongo must run as a replica set: {cmd}"
    rs_name = cmd[cmd.index("--replSet") + 1]
    check = " ".join(argv(mongo["healthcheck"]["test"]))
    assert "rs.initiate(" in check and f"_id: '{rs_name}'" in check, check
    for name, app in APPS.items():
        assert f"replicaSet={rs_name}" in env(app)["MONGO_URI"], f"{name} names another replica set"


@pytest.mark.parametrize("name", sorted(APPS))
def test_app_healthchecks_call_code_that_exists(name):
    cmd = argv(APPS[name]["healthcheck"]["test"])
    assert cmd[0] == "python", cmd
    if cmd[1] == "-m":
        # python -m kit.healthcheck <service>: the module exists and probes this very service.
        assert module_file(cmd[2]).is_file(), f"{name} healthcheck runs {cmd[2]}, which is missing"
        assert cmd[2:] == ["kit.healthcheck", name], f"{name} healthcheck probes another service: {cmd}"
        assert name in SERVICE_FOLDERS, f"{name} healthcheck probes a service with no services/{name}/service.py"
    else:
        # python -c '<probe>': valid Python that asks this container's published port.
        assert cmd[1] == "-c", cmd
        compile(cmd[2], f"{name} healthcheck", "exec")
        port = env(APPS[name])["GATEWAY_ADDRESS"].rsplit(":", 1)[1]
        assert f"http://127.0.0.1:{port}/health" in cmd[2], cmd[2]


# --- image -----------------------------------------------------------------------


def test_compose_file_has_no_obsolete_version_key():
    assert "version" not in COMPOSE


@pytest.mark.parametrize("name", sorted(APPS))
def test_app_containers_build_the_root_dockerfile(name):
    build = APPS[name].get("build")
    if isinstance(build, dict):
        assert build.get("context") == "." and build.get("dockerfile", "Dockerfile") == "Dockerfile"
    else:
        assert build == ".", f"{name} must build the one image from ./Dockerfile"


def test_dockerfile_installs_pinned_requirements_copies_runtime_code_and_drops_root():
    steps = dockerfile_instructions()
    assert ("FROM", "python:3.11-slim") in steps
    runs = [args for word, args in steps if word == "RUN"]
    assert any("pip install" in r and "--no-cache-dir" in r and "-r requirements.txt" in r for r in runs)
    copied = set()
    for word, args in steps:
        if word == "COPY":
            copied.update(Path(src).name for src in args.split()[:-1] if not src.startswith("--"))
    missing = [p for p in RUNTIME_PATHS if p not in copied and "." not in copied]
    assert not missing, f"Dockerfile does not copy {missing}"
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "image must not run as root"


def test_dockerignore_keeps_runtime_files_in_the_build_context():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith(("#", "!"))]
    excluded = [(p, pat) for p in RUNTIME_PATHS for pat in patterns if fnmatch(p, pat.lstrip("/"))]
    assert not excluded, f".dockerignore drops runtime files: {excluded}"
