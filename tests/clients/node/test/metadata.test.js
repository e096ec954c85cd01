'use strict';
// COLMETADATA's flags as tedious reads them (its column metadata keeps the raw 16 bits):
// the values SQL Server sends (MS-TDS 2.2.7.4; see tds-protocol's tokens.rs for where each
// comes from) for table columns, identity, rowversion, expressions, outer joins, views and
// what tiberius' bulk insert reads first (SELECT TOP 0 *).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startEmulator, connect, query, close, tableName } = require('../helpers');

const NULLABLE = 0x0001;
const CASE_SENSITIVE = 0x0002;
const UPDATEABLE_UNKNOWN = 0x0008;
const IDENTITY = 0x0010;
const COMPUTED = 0x0020;

test('COLMETADATA flags as SQL Server sends them', { timeout: 120000 }, async (t) => {
  const emu = await startEmulator('metadata');
  t.after(() => emu.stop());
  const conn = await connect(emu);
  t.after(() => close(conn));
  const a = tableName('flags');
  const b = tableName('flags_b');
  const v = tableName('flags_v');
  await query(conn, `CREATE TABLE ${a} (id int IDENTITY(1,1) PRIMARY KEY, k int NOT NULL, name nvarchar(20) NULL, x xml NULL, rv rowversion)`);
  await query(conn, `CREATE TABLE ${b} (id int NOT NULL PRIMARY KEY, y int NOT NULL)`);
  await query(conn, `INSERT INTO ${a} (k, name) VALUES (1, N'a'), (2, NULL)`);
  await query(conn, `INSERT INTO ${b} VALUES (1, 10)`);
  await query(conn, `CREATE VIEW ${v} AS SELECT k, name, k + 1 AS k1 FROM ${a}`);

  const flags = async (sql) => (await query(conn, sql)).columns.map((c) => c.flags);
  const table = [IDENTITY, UPDATEABLE_UNKNOWN, UPDATEABLE_UNKNOWN | NULLABLE,
    UPDATEABLE_UNKNOWN | NULLABLE | CASE_SENSITIVE, 0];
  assert.deepEqual(await flags(`SELECT * FROM ${a}`), table);
  assert.deepEqual(await flags(`SELECT TOP 0 * FROM ${a}`), table);
  // MS-TDS 4.7: select 'foo' as 'bar' is answered with Flags 0x0020.
  assert.deepEqual(await flags(`SELECT 'foo' AS bar, 1 AS one, NULL AS n`), [COMPUTED, COMPUTED, COMPUTED | NULLABLE]);
  assert.deepEqual(await flags(`SELECT k + 1 AS k1, UPPER(name) AS u FROM ${a}`), [COMPUTED | NULLABLE, COMPUTED | NULLABLE]);
  assert.deepEqual(await flags(`SELECT ${a}.k, ${b}.y FROM ${a} LEFT JOIN ${b} ON ${b}.id = ${a}.k`),
    [UPDATEABLE_UNKNOWN, UPDATEABLE_UNKNOWN | NULLABLE]);
  assert.deepEqual(await flags(`SELECT d.k FROM (SELECT k FROM ${a}) d`), [UPDATEABLE_UNKNOWN]);
  assert.deepEqual(await flags(`SELECT * FROM ${v}`),
    [UPDATEABLE_UNKNOWN, UPDATEABLE_UNKNOWN | NULLABLE, COMPUTED | NULLABLE]);
  // The rows of the outer join arrive, NULL included.
  const { rows } = await query(conn, `SELECT ${a}.k, ${b}.y FROM ${a} LEFT JOIN ${b} ON ${b}.id = ${a}.k ORDER BY ${a}.k`);
  assert.deepEqual(rows, [[1, 10], [2, null]]);
});
