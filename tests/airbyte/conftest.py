"""Fixtures for the Airbyte protocol tests: the real target/release/mssql-emulator
with the sample database of tests/sample.sql, and the real target/release/source-mssql
run as Airbyte's platform runs it (files in, protocol lines out).

Every stdout line of every run is validated with Airbyte's own protocol models
(airbyte-protocol-models), by protocol_check.py.
"""

import json
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

from emulator_process import binary, sample_init, start_emulator, stop_emulator  # noqa: E402
from protocol_check import validate_line  # noqa: E402

DATABASE = "airbyte_test"
USER = "airbyte_reader"


@dataclass
class Emulator:
    host: str
    port: int
    password: str
    proc: subprocess.Popen

    def config(self, **overrides) -> dict:
        config = {"host": self.host, "port": self.port, "database": DATABASE,
                  "username": USER, "password": self.password, "schemas": ["dbo"],
                  "ssl_mode": {"mode": "unencrypted"}}
        config.update(overrides)
        return config


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    # A fresh random password per session: the leak checks look for it.
    password = "Pw-" + secrets.token_hex(8) + "!"
    tmp = tmp_path_factory.mktemp("emulator")
    host, port, proc = start_emulator(
        ["--login", f"{USER}:{password}", "--database", DATABASE,
         "--init", str(sample_init(DATABASE, tmp))],
        tmp / "stderr.log")
    yield Emulator(host, port, password, proc)
    stop_emulator(proc)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    messages: list  # (raw dict, validated AirbyteMessage) per stdout line

    def of_type(self, kind: str) -> list:
        return [raw for raw, _ in self.messages if raw["type"] == kind]

    def records(self, stream: str) -> list:
        return [r["record"]["data"] for r in self.of_type("RECORD")
                if r["record"]["stream"] == stream]

    def states(self) -> list:
        return [m["state"] for m in self.of_type("STATE")]

    def statuses(self, stream: str) -> list:
        return [t["trace"]["stream_status"]["status"] for t in self.of_type("TRACE")
                if t["trace"]["type"] == "STREAM_STATUS"
                and t["trace"]["stream_status"]["stream_descriptor"]["name"] == stream]

    def errors(self) -> list:
        return [t["trace"]["error"] for t in self.of_type("TRACE") if t["trace"]["type"] == "ERROR"]


@pytest.fixture
def source(tmp_path, emulator):
    """Runs source-mssql with its arguments; JSON values become files in tmp_path."""
    exe = binary("source-mssql", "SOURCE_MSSQL_BIN")
    counter = iter(range(1_000_000))

    def as_file(value) -> str:
        if isinstance(value, (dict, list)):
            path = tmp_path / f"input-{next(counter)}.json"
            path.write_text(json.dumps(value))
            return str(path)
        return str(value)

    def run(*args, secrets_=()) -> Run:
        proc = subprocess.run([str(exe), *map(as_file, args)], capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
        for secret in (emulator.password, *secrets_):
            assert secret not in proc.stdout, "stdout shows a password"
            assert secret not in proc.stderr, "stderr shows a password"
        messages = [validate_line(line) for line in proc.stdout.splitlines()]
        return Run(proc.returncode, proc.stdout, proc.stderr, messages)

    return run
