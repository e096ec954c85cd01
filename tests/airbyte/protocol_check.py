"""Validates source output with Airbyte's own protocol models (airbyte-protocol-models).

The models allow extra keys, so parsing alone would accept a misspelt field:
each message is also checked to hold only keys its model declares.
"""

import json

from airbyte_protocol.models import (
    AirbyteCatalog,
    AirbyteMessage,
    AirbyteStateBlob,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    Type,
)
from pydantic import BaseModel

# Models whose keys are free-form by design: a state blob is the source's own.
OPEN_MODELS = (AirbyteStateBlob,)


def parse(model, raw: dict):
    """`model` parsed from `raw` (pydantic v1's parse_obj, or v2's model_validate)."""
    validate = getattr(model, "model_validate", None) or model.parse_obj
    return validate(raw)


def fields(model) -> dict:
    """JSON key -> attribute name of a model's declared fields."""
    declared = getattr(type(model), "model_fields", None)
    if declared is not None:
        return {(f.alias or name): name for name, f in declared.items()}
    return {f.alias: name for name, f in type(model).__fields__.items()}


def assert_declared_keys(model, raw, path="message"):
    """Every key of `raw`, at every depth the model describes, is a declared field."""
    if isinstance(model, OPEN_MODELS):
        return
    if isinstance(model, BaseModel) and isinstance(raw, dict):
        known = fields(model)
        unknown = sorted(set(raw) - set(known))
        assert not unknown, f"{path} has keys Airbyte's protocol does not declare: {unknown}"
        for key, name in known.items():
            if key in raw:
                assert_declared_keys(getattr(model, name), raw[key], f"{path}.{key}")
    elif isinstance(model, list) and isinstance(raw, list):
        for i, (m, r) in enumerate(zip(model, raw)):
            assert_declared_keys(m, r, f"{path}[{i}]")


def validate_payload(message) -> None:
    """The payloads within, each checked against its own model."""
    if message.type == Type.SPEC:
        spec = message.spec
        assert spec.connectionSpecification.get("type") == "object"
        assert isinstance(spec, ConnectorSpecification)
    elif message.type == Type.CATALOG:
        assert isinstance(message.catalog, AirbyteCatalog)
        for stream in message.catalog.streams:
            assert stream.json_schema.get("type") == "object", stream.name
            assert stream.supported_sync_modes, stream.name
    elif message.type == Type.STATE:
        assert isinstance(message.state, AirbyteStateMessage)
        assert message.state.stream is not None, "a per-stream STATE names its stream"
        assert message.state.sourceStats is not None, "STATE carries its record count"
    elif message.type == Type.RECORD:
        assert isinstance(message.record.data, dict)


def validate_line(line: str):
    """One stdout line: (raw dict, the validated AirbyteMessage)."""
    raw = json.loads(line)
    assert isinstance(raw, dict), f"not a JSON object: {line[:200]}"
    message = parse(AirbyteMessage, raw)
    assert_declared_keys(message, raw)
    validate_payload(message)
    return raw, message


def configured_catalog(catalog: dict, streams: dict) -> dict:
    """A configured catalog from a discovered one: `streams` maps a stream's name to
    (sync_mode, cursor_field or None). Checked with Airbyte's model before use."""
    configured = []
    for stream in catalog["streams"]:
        if stream["name"] not in streams:
            continue
        mode, cursor = streams[stream["name"]]
        entry = {"stream": stream, "sync_mode": mode,
                 "destination_sync_mode": "append_dedup" if mode == "incremental" else "overwrite",
                 "primary_key": stream.get("source_defined_primary_key", [])}
        if cursor:
            entry["cursor_field"] = [cursor]
        configured.append(entry)
    result = {"streams": configured}
    parse(ConfiguredAirbyteCatalog, result)
    return result
