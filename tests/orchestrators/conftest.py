"""Fixtures for tests/orchestrators: the real target/release/mssql-emulator serving
every_type.sql, for the real target/release/source-mssql driven by the orchestrators
users run (PyAirbyte in test_pyairbyte.py, Meltano in test_meltano.py).

Each test module runs in its orchestrator's own venv (.venv-pyairbyte, .venv-meltano:
their dependencies clash with each other's and with the other suites'), so this file
imports only what both venvs hold: pytest and python-tds.
"""

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests"))

from emulator_process import start_emulator, stop_emulator  # noqa: E402

DATABASE = "orchestrators_test"
USER = "orchestrator_reader"
EVERY_TYPE_SQL = HERE / "every_type.sql"
# The row every test inserts between two syncs: its cursor is later than the seeded rows'.
NEW_ROW_SQL = (
    "INSERT INTO dbo.every_type (id, c_bit, c_tinyint, c_smallint, c_bigint, c_numeric,"
    " c_money, c_smallmoney, c_real, c_smalldatetime, c_datetime, c_char, c_nchar, c_binary,"
    " updated) VALUES (3, 1, 3, 3, 3, 3.5, 3.25, 3.75, 3.5, '2024-03-03 00:00:00',"
    " '2024-03-03 00:00:00', 'new', N'new', 0x03, '2024-03-03T08:00:00.0000000')")


@dataclass
class Emulator:
    host: str
    port: int
    password: str

    def execute(self, sql: str) -> None:
        """Runs `sql` through python-tds: rows change between syncs as users' do."""
        import pytds
        with pytds.connect(self.host, DATABASE, USER, self.password, port=self.port,
                           autocommit=True, login_timeout=10) as conn:
            with conn.cursor() as cur:
                cur.execute(sql)


def every_type_init(tmp_dir: Path) -> Path:
    path = tmp_dir / "init.sql"
    path.write_text(f"USE [{DATABASE}]\nGO\n" + EVERY_TYPE_SQL.read_text())
    return path


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """One emulator per module: the module's tests share its syncs (and their state)."""
    password = "Pw-" + secrets.token_hex(8) + "!"
    tmp = tmp_path_factory.mktemp("emulator")
    host, port, proc = start_emulator(
        ["--login", f"{USER}:{password}", "--database", DATABASE,
         "--init", str(every_type_init(tmp))],
        tmp / "stderr.log")
    yield Emulator(host, port, password)
    stop_emulator(proc)


def venv_tool(tool: str) -> Path:
    """A console script of the venv running this test (meltano, ...)."""
    path = Path(sys.executable).parent / tool
    if not path.is_file():
        pytest.fail(f"{path} not found: run .ci/run (it makes this venv)")
    return path


def quiet_env(**extra) -> dict:
    """The environment for an orchestrator: no telemetry, no update checks."""
    env = dict(os.environ)
    env.update({"DO_NOT_TRACK": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"})
    env.update(extra)
    return env
