"""Starting the real target/release binaries for the Python test suites.

One place knows how the emulator is started and how its first stdout line
(`listening 127.0.0.1:PORT`) is read, so tests/clients, tests/airbyte and
tests/singer start it the same way.
"""

import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SQL = Path(__file__).resolve().parent / "sample.sql"


def binary(name: str, env: str) -> Path:
    """target/release/NAME, or the path in the environment variable ENV."""
    path = Path(os.environ.get(env) or REPO / "target" / "release" / name)
    if not path.is_file():
        pytest.fail(f"{path} not found: run cargo build --release first")
    return path


def read_first_line(proc: subprocess.Popen, seconds: float) -> str:
    """The process's first stdout line, without blocking past `seconds`."""
    deadline = time.monotonic() + seconds
    line = b""
    while time.monotonic() < deadline and not line.endswith(b"\n"):
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                break
            line += chunk
        elif proc.poll() is not None:
            break
    return line.decode(errors="replace").strip()


def sample_init(database: str, tmp_dir: Path) -> Path:
    """An --init script that loads tests/sample.sql into `database`."""
    path = tmp_dir / f"init-{database}.sql"
    path.write_text(f"USE [{database}]\nGO\n" + SAMPLE_SQL.read_text())
    return path


def start_emulator(args: list, log_path: Path) -> tuple:
    """Starts mssql-emulator on a free 127.0.0.1 port with `args` (logins, databases,
    init scripts); returns (host, port, process). Its stderr goes to `log_path`."""
    command = [str(binary("mssql-emulator", "MSSQL_EMULATOR_BIN")),
               "--listen", "127.0.0.1:0", *args]
    with open(log_path, "wb") as err:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL)
    line = read_first_line(proc, 30)
    m = re.fullmatch(r"listening (127\.0\.0\.1):(\d+)", line)
    if not m:
        proc.kill()
        proc.wait()
        pytest.fail(f"emulator did not print 'listening 127.0.0.1:PORT' (got {line!r}); "
                    f"args={command}; stderr:\n{log_path.read_text(errors='replace')[-4000:]}")
    return m.group(1), int(m.group(2)), proc


def stop_emulator(proc: subprocess.Popen) -> None:
    """SIGTERM, as a user stops it; killed if it does not stop within 10 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
