"""source-mssql under Meltano (PyPI `meltano`), as its users add a tap Meltano Hub does
not list: a custom extractor whose `executable:` is our binary (Singer mode), loaded by
target-jsonl (installed by Meltano from PyPI). Two `meltano run`s, the second from the
bookmark Meltano saved; `meltano invoke` with the catalog and state Meltano passes.
Runs in .venv-meltano.
"""

import json
import subprocess
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DATABASE, NEW_ROW_SQL, USER, quiet_env, venv_tool
from emulator_process import binary

EXTRACTOR = "source-mssql"
LOADER = "target-jsonl"
STREAM = "dbo-every_type"
STATE_ID = f"dev:{EXTRACTOR}-to-{LOADER}"
# Pinned like every other dependency; Meltano pip-installs it into its own venv.
TARGET_JSONL_PIP_URL = "target-jsonl==0.1.4"

# What a Meltano user appends to the meltano.yml `meltano init` wrote. The password is
# not in it: Meltano reads it from SOURCE_MSSQL_PASSWORD (or .env).
PLUGINS_YML = """\
plugins:
  extractors:
  - name: {extractor}
    namespace: source_mssql
    executable: {executable}
    capabilities: [catalog, discover, state]
    settings:
    - name: host
    - name: port
      kind: integer
    - name: user
    - name: password
      kind: password
      sensitive: true
    - name: database
    config:
      host: {host}
      port: {port}
      user: {user}
      database: {database}
    metadata:
      {stream}:
        replication-method: INCREMENTAL
        replication-key: updated
  loaders:
  - name: {loader}
    namespace: target_jsonl
    pip_url: {pip_url}
    executable: target-jsonl
    settings:
    - name: destination_path
    - name: do_timestamp_file
      kind: boolean
    config:
      destination_path: output
      do_timestamp_file: false
"""

SINGER_KEYS = {  # required keys of each Singer message (Singer spec)
    "SCHEMA": {"stream", "schema", "key_properties"},
    "RECORD": {"stream", "record"},
    "STATE": {"value"},
    "ACTIVATE_VERSION": {"stream", "version"},
}


@dataclass
class Project:
    root: Path
    password: str
    env: dict

    def meltano(self, *args, timeout=120, check=True) -> subprocess.CompletedProcess:
        start = time.monotonic()
        proc = subprocess.run([str(venv_tool("meltano")), *args], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        print(f"meltano {' '.join(args)}: exit {proc.returncode}, "
              f"{time.monotonic() - start:.1f} s")
        assert self.password not in proc.stdout + proc.stderr, "Meltano's output shows it"
        if check:
            assert proc.returncode == 0, (f"meltano {' '.join(args)} failed:\n"
                                          f"{proc.stderr[-6000:]}")
        return proc

    def output_rows(self) -> list:
        path = self.root / "output" / f"{STREAM}.jsonl"
        return [json.loads(line, parse_float=Decimal)
                for line in path.read_text().splitlines() if line.strip()]

    def saved_state(self) -> dict:
        proc = self.meltano("state", "get", STATE_ID)
        return json.loads(proc.stdout)["singer_state"]


@pytest.fixture(scope="module")
def project(emulator, tmp_path_factory) -> Project:
    tmp = tmp_path_factory.mktemp("meltano")
    env = quiet_env(MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
                    MELTANO_VENV_BACKEND="virtualenv",
                    SOURCE_MSSQL_PASSWORD=emulator.password)
    Project(tmp, emulator.password, env).meltano("init", "project", "--no_usage_stats")
    root = tmp / "project"
    yml = root / "meltano.yml"
    assert "plugins:" not in yml.read_text()
    with yml.open("a") as out:
        out.write(PLUGINS_YML.format(
            extractor=EXTRACTOR, executable=binary("source-mssql", "SOURCE_MSSQL_BIN"),
            host=emulator.host, port=emulator.port, user=USER, database=DATABASE,
            stream=STREAM, loader=LOADER, pip_url=TARGET_JSONL_PIP_URL))
    project = Project(root, emulator.password, env)
    project.meltano("install", timeout=300)
    return project


@dataclass
class TwoRuns:
    first_rows: list
    first_state: dict
    second_rows: list
    second_state: dict
    second_log: str


@pytest.fixture(scope="module")
def two_runs(project, emulator) -> TwoRuns:
    """`meltano run` twice, with a new row committed in between."""
    project.meltano("run", EXTRACTOR, LOADER)
    first_rows = project.output_rows()
    first_state = project.saved_state()
    emulator.execute(NEW_ROW_SQL)
    second = project.meltano("run", EXTRACTOR, LOADER)
    rows = project.output_rows()  # target-jsonl appends to the same file
    return TwoRuns(first_rows, first_state, rows[len(first_rows):], project.saved_state(),
                   second.stderr)


def singer_messages(stdout: str) -> list:
    """Every stdout line a Singer message with its required keys."""
    messages = []
    for line in stdout.splitlines():
        message = json.loads(line, parse_float=Decimal)
        assert isinstance(message, dict), line[:200]
        kind = message.get("type")
        assert kind in SINGER_KEYS, f"not a Singer message: {line[:200]}"
        missing = SINGER_KEYS[kind] - set(message)
        assert not missing, f"{kind} lacks {sorted(missing)}: {line[:200]}"
        messages.append(message)
    return messages


def test_first_run_loads_every_type(two_runs):
    rows = {row["id"]: row for row in two_runs.first_rows}
    assert sorted(rows) == [1, 2]
    first = rows[1]
    assert first["c_bit"] is True and first["c_bigint"] == 9223372036854775807
    assert first["c_decimal"] == Decimal("1234567.0123") and first["c_money"] == Decimal(
        "12345678.9012")
    assert first["c_date"] == "2024-02-29" and first["c_time"] == "23:59:59.9999999"
    assert first["c_datetime2"] == "2024-02-29T13:45:30.1234567"
    assert first["c_datetimeoffset"] == "2024-02-29T13:45:30.1234567+05:30"
    assert first["c_nvarchar"] == "Grüße 日本 😀" and first["c_char"] == "ab    "
    assert first["c_binary"] == "AQIDBA=="
    assert rows[2]["c_int"] is None and rows[2]["c_bit"] is False
    bookmark = two_runs.first_state["bookmarks"][STREAM]
    assert bookmark == {"replication_key": "updated",
                        "replication_key_value": "2024-03-02T08:00:00.0000000"}


def test_second_run_resumes_from_the_saved_bookmark(two_runs):
    # Row 2 is at the bookmark (read again: no row is lost at the boundary, README
    # "Incremental syncs"), row 3 is new; row 1 is not read again.
    assert sorted(row["id"] for row in two_runs.second_rows) == [2, 3]
    assert two_runs.second_state["bookmarks"][STREAM]["replication_key_value"] == (
        "2024-03-03T08:00:00.0000000")


def test_invoke_dump_catalog_applies_the_metadata(project):
    proc = project.meltano("invoke", "--dump=catalog", EXTRACTOR)
    catalog = json.loads(proc.stdout)
    [stream] = [s for s in catalog["streams"] if s["tap_stream_id"] == STREAM]
    root = next(m["metadata"] for m in stream["metadata"] if m["breadcrumb"] == [])
    assert root["selected"] is True
    assert root["replication-method"] == "INCREMENTAL" and root["replication-key"] == "updated"
    assert root["table-key-properties"] == ["id"]
    props = stream["schema"]["properties"]
    # Singer mode keeps the plain JSON Schema of the README ("Singer tap").
    assert "integer" in props["id"]["type"] and props["c_int"]["type"] == ["null", "integer"]
    assert props["c_money"]["type"] == ["null", "number"] and "boolean" in props["c_bit"]["type"]
    assert props["c_date"]["format"] == "date" and props["updated"]["format"] == "date-time"


def test_invoke_discover_with_catalog_and_state_present(project, two_runs):
    """After a run Meltano keeps the catalog and state files, and `meltano invoke
    source-mssql --discover` passes them too (`--config C --catalog P --state S
    --discover`): discovery must still run, as singer-python taps do."""
    project.meltano("run", EXTRACTOR, LOADER)  # leaves both files, as a user's last run did
    run_dir = project.root / ".meltano" / "run" / EXTRACTOR
    assert (run_dir / "tap.properties.json").stat().st_size > 0
    assert (run_dir / "state.json").stat().st_size > 0
    proc = project.meltano("invoke", EXTRACTOR, "--discover", check=False)
    assert proc.returncode == 0, f"discover with --catalog/--state failed:\n{proc.stderr[-3000:]}"
    catalog = json.loads(proc.stdout)
    assert STREAM in [s["tap_stream_id"] for s in catalog["streams"]]


def test_invoke_with_a_catalog_and_state_file(project, two_runs, tmp_path):
    """A user's own catalog and state (`meltano invoke source-mssql --catalog FILE --state
    FILE`) come after the --catalog and --state Meltano adds (the files its last run left):
    the tap reads with the user's, as a singer-python tap's argparse does (last wins)."""
    catalog = json.loads(project.meltano("invoke", "--dump=catalog", EXTRACTOR).stdout)
    [stream] = [s for s in catalog["streams"] if s["tap_stream_id"] == STREAM]
    for entry in stream["metadata"]:
        if entry["breadcrumb"] == ["properties", "c_xml"]:
            entry["metadata"]["selected"] = False
    catalog_file = tmp_path / "catalog.json"
    catalog_file.write_text(json.dumps(catalog))
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps({"bookmarks": {STREAM: {
        "replication_key": "updated", "replication_key_value": "2024-03-02T00:00:00"}}}))
    project.meltano("run", EXTRACTOR, LOADER)  # leaves Meltano's catalog and state files
    proc = project.meltano("--log-level=debug", "invoke", EXTRACTOR, "--catalog",
                           str(catalog_file), "--state", str(state_file), check=False)
    invoked = [line for line in proc.stderr.splitlines() if "Invoking" in line]
    assert proc.returncode == 0, f"{invoked}\n{proc.stderr[-3000:]}"
    records = [m["record"] for m in singer_messages(proc.stdout) if m["type"] == "RECORD"]
    assert sorted(r["id"] for r in records) == [2, 3], "read from the user's state"
    assert all("c_xml" not in r and "c_text" in r for r in records), "the user's catalog"


def test_invoke_syncs_with_meltanos_catalog(project, two_runs):
    """`meltano invoke` with no arguments: Meltano discovers, applies its rules and runs the
    tap with --catalog; every stdout line is a Singer message. (Last: outside a pipeline
    Meltano deletes the state file the tests above rely on.)"""
    proc = project.meltano("invoke", EXTRACTOR)
    messages = singer_messages(proc.stdout)
    ids = sorted(m["record"]["id"] for m in messages if m["type"] == "RECORD")
    assert ids == [1, 2, 3], "no state outside a pipeline: every row"
    assert messages[-1]["type"] == "STATE"
