"""Shared pytest fixtures: start the real mssql-emulator binary once per session.

The binary is started as
    target/release/mssql-emulator --listen 127.0.0.1:0 --login sa:<pw> \
        --login tap:<pw2> --database clienttest
Its first stdout line must be ``listening 127.0.0.1:PORT``.  Its stderr goes to
a log file whose tail is printed when the fixture fails or at teardown when
MSSQL_EMULATOR_LOG_TAIL=1.
"""

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "tests"))

import emulator_process  # noqa: E402


@dataclass
class Emulator:
    host: str
    port: int
    user: str
    password: str
    database: str
    proc: subprocess.Popen
    log_path: Path

    def log_tail(self, n: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])


def start_emulator(tmp_dir: Path, extra_args=(), database="clienttest") -> Emulator:
    password = "Pw-" + secrets.token_hex(8) + "!"
    log_path = tmp_dir / f"emulator-{secrets.token_hex(4)}.log"
    host, port, proc = emulator_process.start_emulator(
        ["--login", f"sa:{password}", "--database", database, *extra_args], log_path)
    return Emulator(host, port, "sa", password, database, proc, log_path)


def stop_emulator(emu: Emulator) -> None:
    emulator_process.stop_emulator(emu.proc)


class _Manager:
    """Keeps one emulator running; restarts it if a test crashed it (so one crash
    is reported by the test that caused it instead of failing every later test)."""

    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.current = None
        self.crashes = []

    def get(self) -> Emulator:
        if self.current is None or self.current.proc.poll() is not None:
            self.current = start_emulator(self.tmp_dir)
        return self.current


@pytest.fixture(scope="session")
def _emulator_manager(tmp_path_factory):
    mgr = _Manager(tmp_path_factory.mktemp("emulator"))
    yield mgr
    if mgr.current is not None:
        stop_emulator(mgr.current)
        if os.environ.get("MSSQL_EMULATOR_LOG_TAIL") == "1":
            sys.stderr.write(f"\n--- emulator stderr tail ({mgr.current.log_path}) ---\n"
                             f"{mgr.current.log_tail()}\n")


@pytest.fixture
def emulator(_emulator_manager):
    emu = _emulator_manager.get()
    yield emu
    if emu.proc.poll() is not None:
        pytest.fail(f"emulator exited with code {emu.proc.returncode} during this test "
                    f"(crash); stderr tail:\n{emu.log_tail()}")


from dbclients import client, conn  # noqa: E402,F401  (fixtures shared by the test modules)
