"""Our catalog, messages and state read by singer-python's own parsers."""

import json

import singer.catalog
import singer.messages

from conftest import select_stream


def test_catalog_parses(tap):
    raw = tap.discover()
    catalog = singer.catalog.Catalog.from_dict(raw)
    ids = sorted(s.tap_stream_id for s in catalog.streams)
    assert ids == ["dbo-big_orders", "dbo-order_lines", "dbo-orders"]
    orders = catalog.get_stream("dbo-orders")
    assert orders.table == "orders"
    assert orders.schema.properties["id"].type == ["null", "integer"]
    assert orders.schema.properties["updated"].format == "date-time"
    top = singer.metadata.to_map(orders.metadata)[()]
    assert top["table-key-properties"] == ["id"]
    assert "updated" in top["valid-replication-keys"]
    assert singer.metadata.to_map(orders.metadata)[("properties", "id")]["inclusion"] == "automatic"


def test_every_line_parses(tap):
    catalog = tap.discover()
    select_stream(catalog, "dbo-orders", "INCREMENTAL", "updated")
    select_stream(catalog, "dbo-order_lines", "FULL_TABLE")
    out = tap.sync(catalog)
    messages = [singer.messages.parse_message(line) for line in out.splitlines()]
    kinds = {type(m).__name__ for m in messages}
    assert kinds == {"SchemaMessage", "RecordMessage", "StateMessage", "ActivateVersionMessage"}
    records = [m for m in messages if isinstance(m, singer.messages.RecordMessage)]
    assert len(records) == 4 + 6
    assert all(r.time_extracted is not None for r in records)
    state = [m for m in messages if isinstance(m, singer.messages.StateMessage)][-1].value
    # The state round-trips: the next sync takes it and parses again.
    again = tap.sync(catalog, state)
    for line in again.splitlines():
        singer.messages.parse_message(line)
    bookmark = state["bookmarks"]["dbo-orders"]
    assert bookmark["replication_key"] == "updated"
    assert json.loads(json.dumps(bookmark))["replication_key_value"].startswith("2024-01-03T08")
