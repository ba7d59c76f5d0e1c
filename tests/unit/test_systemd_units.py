"""deploy/systemd/ (production) and deploy/supervisord.conf (`make run`, `make run-cluster`, tested
end to end) start the same programs with the same arguments; the units' environment is what
`make run` gives its processes; every variable they read is a setting that exists and is listed
in intake.env.example; `systemd-analyze verify` accepts them (with Debian's haproxy.service and
our drop-in); the HAProxy configuration rendered for them is one HAProxy accepts."""
from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from bot.data import ROOT

SYSTEMD = ROOT / "deploy" / "systemd"
SUPERVISORD = ROOT / "deploy" / "supervisord.conf"
ENV_EXAMPLE = SYSTEMD / "intake.env.example"
#: Where the units expect the checkout, the environment file and the state directory.
INSTALL_ROOT = "/opt/intake"
ENV_FILE = "/etc/intake/intake.env"
STATE_DIR = "/var/lib/intake"
#: supervisord program -> the unit that runs the same command.
UNITS = {"rasa": "intake-rasa@.service", "actions": "intake-actions@.service",
         "console": "intake-console.service", "delivery": "intake-delivery@.service",
         "analytics": "intake-analytics.service"}
#: Units with no supervisord program: `make run` migrates before it starts supervisord.
UNITS_WITHOUT_PROGRAM = {"intake-migrate.service"}
#: Read only by `make run` / supervisord to lay out its programs; systemd has instances instead.
SUPERVISORD_ONLY = {"INTAKE_ROOT", "INTAKE_PYTHON", "INTAKE_HAPROXY", "INTAKE_HAPROXY_CONFIG",
                    "INTAKE_HAPROXY_AUTOSTART", "INTAKE_ANALYTICS_AUTOSTART"}
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes"}
VARIABLE = re.compile(r"\b(INTAKE_[A-Z0-9_]*[A-Z0-9])\b")


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections; every key's values in order (Environment= and EnvironmentFile= repeat,
    which configparser refuses or collapses)."""
    sections: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    section = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        sections[section][key.strip()].append(value.strip())
    return sections


def one(sections: dict[str, dict[str, list[str]]], section: str, key: str) -> str:
    values = sections[section][key]
    assert len(values) == 1, f"[{section}] {key}= appears {len(values)} times"
    return values[0]


def programs() -> dict[str, configparser.SectionProxy]:
    # No interpolation: %(ENV_…)s and %(process_num)d are supervisord's, compared as text below.
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(SUPERVISORD)
    return {name.removeprefix("program:"): parser[name] for name in parser.sections() if name.startswith("program:")}


def supervisord_command(command: str) -> list[str]:
    command = command.replace("%(ENV_INTAKE_PYTHON)s", "PYTHON").replace("%(process_num)d", "INSTANCE")
    return re.sub(r"%\(ENV_(\w+)\)s", r"${\1}", command).split()


def systemd_command(command: str) -> list[str]:
    return command.replace(f"{INSTALL_ROOT}/.venv/bin/python", "PYTHON").replace("%i", "INSTANCE").split()


def environment(sections: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    pairs = " ".join(sections["Service"]["Environment"]).split()
    return dict(pair.split("=", 1) for pair in pairs)


def documented() -> set[str]:
    """The variables intake.env.example lists, set or commented out (`#NAME=`)."""
    return set(re.findall(r"^#?(INTAKE_[A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def test_every_supervisord_program_has_a_unit_with_the_same_command() -> None:
    found = programs()
    assert set(found) == set(UNITS) | {"haproxy"}, "a program was added or removed: add or remove its unit"
    services = {path.name for path in SYSTEMD.glob("*.service")}
    assert services == set(UNITS.values()) | UNITS_WITHOUT_PROGRAM
    for program, name in UNITS.items():
        sections = unit(SYSTEMD / name)
        assert systemd_command(one(sections, "Service", "ExecStart")) == supervisord_command(found[program]["command"]), name
        # Template units exactly where supervisord runs several (numprocs): the instance is the
        # port or the worker's number, supervisord's process_num.
        assert name.endswith("@.service") == ("numprocs" in found[program]), name
        assert one(sections, "Service", "WorkingDirectory") == INSTALL_ROOT
        assert found[program]["directory"] == "%(ENV_INTAKE_ROOT)s"


def test_haproxy_is_debians_unit_with_our_configuration_path() -> None:
    sections = unit(SYSTEMD / "haproxy.service.d" / "intake.conf")
    assert "ExecStart" not in sections["Service"], "the drop-in keeps Debian's command"
    config = dict(item.split("=", 1) for item in re.findall(r'"([^"]+)"', one(sections, "Service", "Environment")))
    assert config["CONFIG"] == "/etc/haproxy/haproxy.cfg"
    assert supervisord_command(programs()["haproxy"]["command"]) == ["${INTAKE_HAPROXY}", "-W", "-db", "-f",
                                                                    "${INTAKE_HAPROXY_CONFIG}"]
    assert one(sections, "Service", "User") != "root"
    assert one(sections, "Unit", "PartOf") == "intake.target"


def test_units_run_as_the_service_user_hardened_restarted_and_stopped_gently() -> None:
    found = programs()
    for path in sorted(SYSTEMD.glob("*.service")):
        sections = unit(path)
        service = sections["Service"]
        assert one(sections, "Service", "User") == "intake", path.name
        assert service["EnvironmentFile"][0] == ENV_FILE, path.name
        for key, value in HARDENING.items():
            assert one(sections, "Service", key) == value, f"{path.name}: {key}"
        assert STATE_DIR in one(sections, "Service", "ReadWritePaths").split(), path.name
        assert one(sections, "Service", "CapabilityBoundingSet") == "", path.name
        assert one(sections, "Unit", "PartOf") == "intake.target", path.name
        if path.name in UNITS_WITHOUT_PROGRAM:
            continue
        program = found[next(name for name, unit_name in UNITS.items() if unit_name == path.name)]
        assert one(sections, "Service", "Restart") in ("always", "on-failure"), path.name
        assert float(one(sections, "Service", "RestartSec")) > 0, path.name
        assert one(sections, "Service", "KillSignal") == "SIG" + program.get("stopsignal", "TERM"), path.name
        # At least supervisord's grace period (the one the fault tests run with).
        assert int(one(sections, "Service", "TimeoutStopSec")) >= int(program.get("stopwaitsecs", "10")), path.name
        assert one(sections, "Install", "WantedBy") == "intake.target", path.name
    # A worker finishes the batch in hand: 50 deliveries, 10 at a time, each up to 30 s (SMTP).
    assert int(one(unit(SYSTEMD / "intake-delivery@.service"), "Service", "TimeoutStopSec")) >= 5 * 30


def test_units_give_the_processes_the_environment_make_run_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    from integrations.stack.processes import base_env

    monkeypatch.setattr(os, "environ", {})
    fixed = {name: value for name, value in base_env().items() if not name.startswith("INTAKE_")}
    fixed["PYTHONPATH"] = fixed["PYTHONPATH"].split(os.pathsep)[0].replace(str(ROOT), INSTALL_ROOT)
    for name in UNITS.values():
        env = environment(unit(SYSTEMD / name))
        expected = dict(fixed)
        if name != "intake-actions@.service":  # rasa-sdk's listening interface, only there
            expected.pop("SANIC_HOST")
        assert {key: env.get(key) for key in expected} == expected, name
    assert environment(unit(SYSTEMD / "intake-actions@.service"))["SANIC_HOST"] == "127.0.0.1"


def test_every_variable_the_units_read_is_a_setting_listed_in_the_example() -> None:
    listed = documented()
    settings_source = (ROOT / "bot" / "settings.py").read_text()
    for path in [*SYSTEMD.glob("*.service"), SYSTEMD / "haproxy.service.d" / "intake.conf"]:
        values = " ".join(value for keys in unit(path).values() for items in keys.values() for value in items)
        for name in VARIABLE.findall(values):  # in settings, not comments
            assert name in listed, f"{path.name} reads {name}: list it in intake.env.example"
            known = name in settings_source or name in ("INTAKE_MODEL", "INTAKE_RASA_HOST", "INTAKE_ACTIONS_HOST")
            assert known, f"{path.name} reads {name}, which no process reads"
    # The other way: every variable the processes and the cluster renderer read is listed.
    read = set()
    for source in ("bot/settings.py", "bot/data.py", "integrations/stack/processes.py", "integrations/stack/cluster.py",
                   "integrations/stack/supervision.py"):
        read |= set(VARIABLE.findall((ROOT / source).read_text()))
    assert read - SUPERVISORD_ONLY - listed == set()
    assert not set(VARIABLE.findall(ENV_EXAMPLE.read_text())) & SUPERVISORD_ONLY


def test_the_example_holds_no_secret() -> None:
    from bot.settings import SECRETS

    values = dict(re.findall(r"^(INTAKE_[A-Z0-9_]+)=(.*)$", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))
    for name, _ in SECRETS:
        assert values.get(name) == "", f"{name} must be listed empty"
    assert "CHANGE-ME" in values["INTAKE_DATABASE_URL"]


def _verify(systemd_analyze: str, directory: Path, *units: str) -> subprocess.CompletedProcess:
    return subprocess.run([systemd_analyze, "verify", "--man=no", *(str(directory / name) for name in units)],
                          capture_output=True, text=True, timeout=60)


def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    systemd_analyze = shutil.which("systemd-analyze")
    if systemd_analyze is None:
        if os.environ.get("INTAKE_TEST_REQUIRE_SYSTEMD"):
            raise AssertionError("systemd-analyze is missing (apt-get install systemd)")
        pytest.skip("systemd-analyze is not installed")
    # verify checks that each command is executable: point the units at this checkout.
    units = tmp_path / "units"
    units.mkdir()
    for path in [*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.target")]:
        (units / path.name).write_text(path.read_text().replace(INSTALL_ROOT, str(ROOT)))
    names = ("intake.target", "intake-migrate.service", "intake-console.service", "intake-rasa@5015.service",
             "intake-actions@5065.service", "intake-delivery@0.service")
    result = _verify(systemd_analyze, units, *names)
    # It reports a misspelt key or a bad value on stderr and still exits 0: both must be clean.
    assert (result.returncode, result.stderr) == (0, ""), result.stderr

    # The check can fail: one wrong value in a copy is reported.
    broken = tmp_path / "broken"
    shutil.copytree(units, broken)
    console = broken / "intake-console.service"
    console.write_text(console.read_text().replace("Restart=always", "Restart=sometimes"))
    assert "restart specifier" in _verify(systemd_analyze, broken, "intake-console.service").stderr

    debian = Path("/lib/systemd/system/haproxy.service")
    if not debian.exists():
        if os.environ.get("INTAKE_TEST_REQUIRE_SYSTEMD"):
            raise AssertionError("Debian's haproxy.service is missing (apt-get install haproxy)")
        return
    shutil.copy(debian, units / debian.name)
    shutil.copytree(SYSTEMD / "haproxy.service.d", units / "haproxy.service.d")
    result = _verify(systemd_analyze, units, "haproxy.service")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


def test_the_haproxy_configuration_rendered_for_systemd_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m integrations.stack.cluster config` with the example's values, as README says."""
    from integrations.stack import cluster

    for name, value in re.findall(r"^(INTAKE_[A-Z0-9_]+)=(.*)$", ENV_EXAMPLE.read_text(), flags=re.MULTILINE):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("INTAKE_VAR_DIR", "/run/haproxy")
    assert cluster.main(["config"]) == 0
    config = capsys.readouterr().out
    assert "stats socket /run/haproxy/cluster/haproxy.sock mode 600" in config
    assert "server rasa-5015 127.0.0.1:5015" in config and "server rasa-5016 127.0.0.1:5016" in config
    assert "server actions-5065 127.0.0.1:5065" in config and "bind 127.0.0.1:5055" in config
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        if os.environ.get("INTAKE_TEST_REQUIRE_CLUSTER"):
            raise AssertionError("haproxy is missing (apt-get install haproxy)")
        pytest.skip("haproxy is not installed")
    (tmp_path / "haproxy.cfg").write_text(config)
    result = subprocess.run([haproxy, "-c", "-q", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
