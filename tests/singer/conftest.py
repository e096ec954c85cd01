"""Fixtures for the Singer tests: the real target/release/mssql-emulator with
tests/sample.sql, the real target/release/source-mssql run as a Singer tap, real
Singer targets (each in its own venv), and a real PostgreSQL for target-postgres.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests"))

from emulator_process import binary, sample_init, start_emulator, stop_emulator  # noqa: E402

DATABASE = "singer_test"
USER = "singer_reader"


def venv_tool(venv: str, tool: str) -> Path:
    path = REPO / venv / "bin" / tool
    if not path.is_file():
        pytest.fail(f"{path} not found: run .ci/run (it makes {venv})")
    return path


@dataclass
class Emulator:
    host: str
    port: int
    password: str

    def config(self) -> dict:
        # pipelinewise tap-mssql's key names, which this tap also takes.
        return {"host": self.host, "port": self.port, "database": DATABASE,
                "user": USER, "password": self.password, "filter_dbs": "dbo",
                "ssl_mode": {"mode": "unencrypted"}}

    def execute(self, sql: str) -> None:
        import pytds
        with pytds.connect(self.host, DATABASE, USER, self.password, port=self.port,
                           autocommit=True) as conn:
            with conn.cursor() as cur:
                cur.execute(sql)


@pytest.fixture
def emulator(tmp_path):
    """A fresh emulator per test: some tests insert rows."""
    password = "Pw-" + secrets.token_hex(8) + "!"
    host, port, proc = start_emulator(
        ["--login", f"{USER}:{password}", "--database", DATABASE,
         "--init", str(sample_init(DATABASE, tmp_path))],
        tmp_path / "emulator.log")
    yield Emulator(host, port, password)
    stop_emulator(proc)


class Tap:
    """Runs source-mssql as a Singer tap; dicts become files in tmp_path."""

    def __init__(self, tmp_path: Path, emulator: Emulator):
        self.exe = binary("source-mssql", "SOURCE_MSSQL_BIN")
        self.tmp = tmp_path
        self.emulator = emulator
        self.count = 0

    def file(self, value) -> str:
        self.count += 1
        path = self.tmp / f"input-{self.count}.json"
        path.write_text(json.dumps(value))
        return str(path)

    def run(self, *args) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(self.exe), *args], capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        assert self.emulator.password not in proc.stdout + proc.stderr, "a password shows"
        return proc

    def discover(self) -> dict:
        proc = self.run("--config", self.file(self.emulator.config()), "--discover")
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    def sync(self, catalog: dict, state: dict | None = None) -> str:
        args = ["--config", self.file(self.emulator.config()), "--catalog", self.file(catalog)]
        if state is not None:
            args += ["--state", self.file(state)]
        proc = self.run(*args)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout


@pytest.fixture
def tap(tmp_path, emulator):
    return Tap(tmp_path, emulator)


def select_stream(catalog: dict, tap_stream_id: str, method: str, key: str | None = None) -> dict:
    """Marks one stream selected, as a Singer runner would."""
    for stream in catalog["streams"]:
        if stream["tap_stream_id"] == tap_stream_id:
            meta = next(m["metadata"] for m in stream["metadata"] if m["breadcrumb"] == [])
            meta["selected"] = True
            meta["replication-method"] = method
            if key:
                meta["replication-key"] = key
            return catalog
    raise AssertionError(f"no stream {tap_stream_id}")


def pipe(tap_output: str, target: list, cwd: Path) -> subprocess.CompletedProcess:
    """Feeds the tap's output to a target; returns the target's run."""
    proc = subprocess.run(target, input=tap_output, capture_output=True, text=True,
                          timeout=300, cwd=cwd)
    assert proc.returncode == 0, f"target failed: {proc.stderr[-4000:]}"
    return proc


def last_state(target_stdout: str) -> dict:
    """The last state the target emitted: what a runner saves for the next sync."""
    lines = [line for line in target_stdout.splitlines() if line.strip()]
    assert lines, "the target emitted no state"
    return json.loads(lines[-1])


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    bindir: Path

    def query(self, sql: str) -> list:
        out = subprocess.run([str(self.bindir / "psql"), "-h", self.host, "-p", str(self.port),
                              "-U", self.user, "-d", "postgres", "-At", "-F", "\t", "-c", sql],
                             capture_output=True, text=True, check=True)
        return [line.split("\t") for line in out.stdout.splitlines()]

    def rows(self, sql: str) -> list:
        """The rows of `sql` as dicts, through JSON so text with newlines and
        numerics with every digit come back intact."""
        import decimal
        lines = self.query(f"SELECT coalesce(json_agg(t), '[]') FROM ({sql}) t")
        text = "\n".join("\t".join(line) for line in lines)
        return json.loads(text, parse_float=decimal.Decimal)


def postgres_bindir() -> Path:
    """Debian keeps initdb and pg_ctl out of PATH, under /usr/lib/postgresql/N/bin."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    pytest.fail("PostgreSQL not found: .ci/run installs Debian's postgresql")


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL cluster on 127.0.0.1, run as `postgres` when we
    are root (PostgreSQL refuses to run as root)."""
    bindir = postgres_bindir()
    data = Path(tempfile.mkdtemp(prefix="singer-pg-"))
    as_user: list = []
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    user = "postgres"
    port = free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data / "db"), "-U", user,
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-w",
                    "-l", str(data / "log"), "-o",
                    f"-h 127.0.0.1 -p {port} -k {data}", "start"],
                   check=True, capture_output=True)
    try:
        yield Postgres("127.0.0.1", port, user, bindir)
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data / "db"), "-m",
                        "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
