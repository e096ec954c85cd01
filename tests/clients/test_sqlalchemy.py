"""SQLAlchemy's mssql dialect (on pymssql, `mssql+pymssql://`) against the emulator: what
`inspect(engine)` reflects (schemas, tables, views, columns with their types, nullability,
identity and defaults, primary keys, foreign keys, indexes unique and clustered) is what the
DDL declared, and its ORM creates a table, inserts, reads back and updates a row, checked
with python-tds.

The dialect's reflection runs large queries over INFORMATION_SCHEMA and sys.* views (start
the emulator with `--log-statements` to see every one).
"""

import datetime as dt
import secrets
from decimal import Decimal

import pytest
from sqlalchemy import (
    Column, DateTime, ForeignKey, Identity, Integer, Numeric, String, create_engine, inspect,
    select, text,
)
from sqlalchemy.orm import Session, declarative_base


@pytest.fixture(scope="module")
def engine(_emulator_manager):
    emu = _emulator_manager.get()
    url = f"mssql+pymssql://{emu.user}:{emu.password}@{emu.host}:{emu.port}/{emu.database}"
    eng = create_engine(url, connect_args={"tds_version": "7.4", "login_timeout": 15})
    yield emu, eng
    eng.dispose()


@pytest.fixture(scope="module")
def schema(engine):
    """A schema with two tables (one referencing the other), indexes and a view."""
    emu, eng = engine
    s = f"sa_{secrets.token_hex(3)}"
    ddl = [
        f"CREATE SCHEMA {s}",
        f"""CREATE TABLE {s}.customers (
              id int IDENTITY(10, 5) NOT NULL CONSTRAINT pk_{s}_customers PRIMARY KEY,
              name nvarchar(100) NOT NULL,
              email varchar(200) NULL,
              score decimal(10, 2) NULL CONSTRAINT df_{s}_score DEFAULT 0,
              created datetime2(3) NOT NULL DEFAULT SYSDATETIME(),
              photo varbinary(max) NULL,
              uid uniqueidentifier NULL)""",
        f"CREATE UNIQUE INDEX ux_{s}_email ON {s}.customers (email)",
        f"""CREATE TABLE {s}.orders (
              order_id int NOT NULL,
              line smallint NOT NULL,
              customer_id int NOT NULL
                CONSTRAINT fk_{s}_orders_customer REFERENCES {s}.customers (id),
              amount money NULL,
              note ntext NULL,
              CONSTRAINT pk_{s}_orders PRIMARY KEY NONCLUSTERED (order_id, line))""",
        f"CREATE CLUSTERED INDEX cx_{s}_orders_customer ON {s}.orders (customer_id)",
        f"CREATE INDEX ix_{s}_orders_amount ON {s}.orders (amount, line)",
        f"CREATE VIEW {s}.big_customers AS SELECT id, name FROM {s}.customers WHERE score > 10",
    ]
    with eng.begin() as c:
        for stmt in ddl:
            c.execute(text(stmt))
    return s


def test_schemas_tables_and_views(engine, schema):
    _, eng = engine
    i = inspect(eng)
    assert {"dbo", schema} <= set(i.get_schema_names())
    assert i.get_table_names(schema=schema) == ["customers", "orders"]
    assert i.get_view_names(schema=schema) == ["big_customers"]
    assert i.has_table("orders", schema=schema)
    assert not i.has_table("no_such_table", schema=schema)
    definition = i.get_view_definition("big_customers", schema=schema)
    assert "score > 10" in definition and "big_customers" in definition


def by_name(columns):
    return {c["name"]: c for c in columns}


@pytest.mark.xfail(strict=True, reason="sys.columns has no default_object_id and sys.default_constraints "
                   "is empty: the dialect's column query fails with 207")
def test_columns(engine, schema):
    _, eng = engine
    cols = by_name(inspect(eng).get_columns("customers", schema=schema))
    assert list(cols) == ["id", "name", "email", "score", "created", "photo", "uid"]
    types = {n: (type(c["type"]).__name__, getattr(c["type"], "length", None)) for n, c in cols.items()}
    assert types == {
        "id": ("INTEGER", None), "name": ("NVARCHAR", 100), "email": ("VARCHAR", 200),
        "score": ("DECIMAL", None), "created": ("DATETIME2", None), "photo": ("VARBINARY", "max"),
        "uid": ("UNIQUEIDENTIFIER", None),
    }, types
    assert (cols["score"]["type"].precision, cols["score"]["type"].scale) == (10, 2)
    assert cols["created"]["type"].precision == 3
    assert {n: c["nullable"] for n, c in cols.items()} == {
        "id": False, "name": False, "email": True, "score": True, "created": False,
        "photo": True, "uid": True}
    assert cols["id"]["identity"] == {"start": 10, "increment": 5}
    assert cols["id"]["autoincrement"] is True
    assert cols["score"]["default"] == "((0))"
    assert cols["created"]["default"] == "(sysdatetime())"
    assert cols["name"]["default"] is None
    order_cols = by_name(inspect(eng).get_columns("orders", schema=schema))
    assert type(order_cols["amount"]["type"]).__name__ == "MONEY"
    assert type(order_cols["note"]["type"]).__name__ == "NTEXT"
    assert type(order_cols["line"]["type"]).__name__ == "SMALLINT"
    assert "identity" not in order_cols["order_id"]


@pytest.mark.xfail(strict=True, reason="primary keys reflect; foreign keys come back empty "
                   "(INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS)")
def test_keys_and_indexes(engine, schema):
    _, eng = engine
    i = inspect(eng)
    pk = i.get_pk_constraint("customers", schema=schema)
    assert pk["constrained_columns"] == ["id"] and pk["name"] == f"pk_{schema}_customers"
    assert pk["dialect_options"]["mssql_clustered"] is True
    pk = i.get_pk_constraint("orders", schema=schema)
    assert pk["constrained_columns"] == ["order_id", "line"]
    assert pk["dialect_options"]["mssql_clustered"] is False
    fks = i.get_foreign_keys("orders", schema=schema)
    assert [(f["name"], f["constrained_columns"], f["referred_schema"], f["referred_table"],
             f["referred_columns"]) for f in fks] == [
        (f"fk_{schema}_orders_customer", ["customer_id"], schema, "customers", ["id"])]
    indexes = {x["name"]: x for x in i.get_indexes("orders", schema=schema)}
    assert set(indexes) == {f"cx_{schema}_orders_customer", f"ix_{schema}_orders_amount"}
    cx = indexes[f"cx_{schema}_orders_customer"]
    assert (cx["column_names"], cx["unique"], cx["dialect_options"]["mssql_clustered"]) == (
        ["customer_id"], False, True)
    ix = indexes[f"ix_{schema}_orders_amount"]
    assert (ix["column_names"], ix["unique"], ix["dialect_options"]["mssql_clustered"]) == (
        ["amount", "line"], False, False)
    ux = {x["name"]: x for x in i.get_indexes("customers", schema=schema)}[f"ux_{schema}_email"]
    assert (ux["column_names"], ux["unique"]) == (["email"], True)


@pytest.mark.xfail(strict=True, reason="a statement of the ORM's is refused with 102 near '(': "
                   "not yet found (run with --log-statements)")
def test_orm_creates_inserts_reads_and_updates(engine, client):
    emu, eng = engine
    if client.name != "python-tds":
        pytest.skip("checked with python-tds")
    Base = declarative_base()
    name = f"orm_items_{secrets.token_hex(3)}"

    class Item(Base):
        __tablename__ = name
        id = Column(Integer, Identity(start=1, increment=1), primary_key=True)
        label = Column(String(50), nullable=False)
        price = Column(Numeric(10, 2))
        made = Column(DateTime)
        parent_id = Column(Integer, ForeignKey(f"{name}.id"))

    Base.metadata.create_all(eng)
    when = dt.datetime(2024, 2, 29, 13, 45, 30, 123000)
    with Session(eng) as s:
        s.add_all([Item(label="first", price=Decimal("12.34"), made=when),
                   Item(label="second", price=None, made=None)])
        s.commit()
        first = s.scalars(select(Item).where(Item.label == "first")).one()
        assert (first.id, first.price, first.made) == (1, Decimal("12.34"), when)
        first.price = Decimal("99.99")
        first.label = "renamed"
        s.add(Item(label="child", parent_id=first.id))
        s.commit()
    c = client.connect(emu)
    try:
        rows = client.rows(c, f"SELECT id, label, price, made, parent_id FROM {name} ORDER BY id")
    finally:
        c.close()
    assert rows == [(1, "renamed", Decimal("99.99"), when, None),
                    (2, "second", None, None, None),
                    (3, "child", None, None, 1)]
    cols = by_name(inspect(eng).get_columns(name))
    assert cols["id"]["identity"] == {"start": 1, "increment": 1}
    Base.metadata.drop_all(eng)
    assert not inspect(eng).has_table(name)
