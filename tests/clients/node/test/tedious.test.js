'use strict';
// tedious (npm) against the real mssql-emulator binary: types, edge values, errors, big results, transactions.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Request } = require('tedious');
const { startEmulator, connect, query, scalar, close, tableName, TYPES } = require('../helpers');

const SKIP = Symbol('skip');
const T_MS = 120000; // per-test limit: a hung request fails its test instead of the whole run
const MB = 1024 * 1024;
const CONTROL = 'a\tb\nc\rd\x01e\x1f\x7f';
const UNICODE = 'Grüße ñ € 日本語 😀 𝄞 \u{10FFFF} ok';
const CP1252 = 'café £ € ÿ';
const BIG_ASCII = '0123456789abcdefghijklmnopqrstuvwxyz-'.repeat(Math.ceil(3 * MB / 37)).slice(0, 3 * MB);
const BIG_BYTES = Buffer.alloc(4 * MB);
for (let i = 0; i < BIG_BYTES.length; i++) BIG_BYTES[i] = i & 0xff;

const lit = (s) => `'${s.replace(/'/g, "''")}'`;
const nlit = (s) => `N'${s.replace(/'/g, "''")}'`;
const f32 = (x) => Math.fround(x);
// A Date value as tedious reports it: a UTC instant plus nanosecondsDelta (seconds, < 1 ms).
const D = (iso, ticksRem = 0) => ({ date: iso, ns: ticksRem / 1e7 });

// [label, literal, expected, param (undefined = expected, SKIP = none), text121]
const TYPE_TABLE = [
  ['bit', 'bit', TYPES.Bit, [['zero', '0', false], ['one', '1', true]]],
  ['tinyint', 'tinyint', TYPES.TinyInt, [['min', '0', 0], ['max', '255', 255]]],
  ['smallint', 'smallint', TYPES.SmallInt, [['min', '-32768', -32768], ['max', '32767', 32767]]],
  ['int', 'int', TYPES.Int, [['min', '-2147483648', -2147483648], ['max', '2147483647', 2147483647]]],
  ['bigint', 'bigint', TYPES.BigInt, [['min', '-9223372036854775808', '-9223372036854775808'],
    ['max', '9223372036854775807', '9223372036854775807']]],
  // tedious returns decimal/numeric/money as a JS number: compared to 1 ulp, and exactly on the
  // server with CONVERT(varchar(60), v) (the 5th element).
  ['decimal_38_10', 'decimal(38,10)', [TYPES.Decimal, { precision: 38, scale: 10 }], [
    ['max', '9999999999999999999999999999.9999999999', Number('9999999999999999999999999999.9999999999'), SKIP,
      '9999999999999999999999999999.9999999999'],
    ['frac', '-12345.6789012345', -12345.6789012345, undefined, '-12345.6789012345']]],
  ['numeric_18_4', 'numeric(18,4)', [TYPES.Numeric, { precision: 18, scale: 4 }], [
    ['min', '-99999999999999.9999', -99999999999999.9999, SKIP, '-99999999999999.9999'],
    ['small', '-0.0001', -0.0001, undefined, '-0.0001']]],
  ['money', 'money', TYPES.Money, [['min', '-922337203685477.5808', -922337203685477.5808, SKIP, '-922337203685477.5808'],
    ['cent', '0.01', 0.01, undefined, '0.0100'], ['big', '123456789.1234', 123456789.1234, undefined, '123456789.1234']]],
  ['smallmoney', 'smallmoney', TYPES.SmallMoney, [['min', '-214748.3648', -214748.3648], ['max', '214748.3647', 214748.3647]]],
  ['real', 'real', TYPES.Real, [['max', '3.4028235E+38', f32(3.4028235e38)], ['min', '-3.4028235E+38', f32(-3.4028235e38)],
    ['normal', '1.17549435E-38', f32(1.17549435e-38)]]],
  ['float', 'float', TYPES.Float, [['max', '1.7976931348623157E+308', 1.7976931348623157e308],
    ['min', '-1.7976931348623157E+308', -1.7976931348623157e308], ['tiny', '2.2250738585072014E-308', 2.2250738585072014e-308]]],
  ['date', 'date', TYPES.Date, [
    ['min', "'0001-01-01'", D('0001-01-01T00:00:00.000Z'), undefined, '0001-01-01'],
    ['max', "'9999-12-31'", D('9999-12-31T00:00:00.000Z'), undefined, '9999-12-31']]],
  ['time7', 'time(7)', [TYPES.Time, { scale: 7 }], [
    ['min', "'00:00:00'", D('1970-01-01T00:00:00.000Z'), undefined, '00:00:00.0000000'],
    ['max', "'23:59:59.9999999'", D('1970-01-01T23:59:59.999Z', 9999), SKIP, '23:59:59.9999999'],
    ['ms', "'12:34:56.789'", D('1970-01-01T12:34:56.789Z'), undefined, '12:34:56.7890000']]],
  ['time0', 'time(0)', [TYPES.Time, { scale: 0 }], [
    ['max', "'23:59:59'", D('1970-01-01T23:59:59.000Z'), undefined, '23:59:59']]],
  ['smalldatetime', 'smalldatetime', TYPES.SmallDateTime, [
    ['min', "'1900-01-01 00:00'", D('1900-01-01T00:00:00.000Z'), undefined, '1900-01-01 00:00:00.000'],
    ['max', "'2079-06-06 23:59'", D('2079-06-06T23:59:00.000Z'), undefined, '2079-06-06 23:59:00.000']]],
  ['datetime', 'datetime', TYPES.DateTime, [
    ['min', "'1753-01-01 00:00:00'", D('1753-01-01T00:00:00.000Z'), undefined, '1753-01-01 00:00:00.000'],
    ['max', "'9999-12-31 23:59:59.997'", D('9999-12-31T23:59:59.997Z'), undefined, '9999-12-31 23:59:59.997']]],
  ['datetime2_7', 'datetime2(7)', [TYPES.DateTime2, { scale: 7 }], [
    ['min', "'0001-01-01 00:00:00'", D('0001-01-01T00:00:00.000Z'), undefined, '0001-01-01 00:00:00.0000000'],
    ['max', "'9999-12-31 23:59:59.9999999'", D('9999-12-31T23:59:59.999Z', 9999), SKIP, '9999-12-31 23:59:59.9999999'],
    ['ms', "'2024-02-29 13:45:30.123'", D('2024-02-29T13:45:30.123Z'), undefined, '2024-02-29 13:45:30.1230000']]],
  ['datetime2_0', 'datetime2(0)', [TYPES.DateTime2, { scale: 0 }], [
    ['max', "'9999-12-31 23:59:59'", D('9999-12-31T23:59:59.000Z'), undefined, '9999-12-31 23:59:59']]],
  ['datetimeoffset7', 'datetimeoffset(7)', [TYPES.DateTimeOffset, { scale: 7 }], [
    ['minus14', "'2024-02-29 13:45:30.1234567 -14:00'", D('2024-03-01T03:45:30.123Z', 4567), SKIP,
      '2024-02-29 13:45:30.1234567 -14:00'],
    ['utc', "'2024-02-29 13:45:30.123 +00:00'", D('2024-02-29T13:45:30.123Z'), undefined, '2024-02-29 13:45:30.1230000 +00:00']]],
  ['char10', 'char(10)', TYPES.Char, [['short', "'abc'", 'abc       ', 'abc'], ['empty', "''", ' '.repeat(10), '']]],
  ['varchar50', 'varchar(50)', TYPES.VarChar, [['empty', "''", ''], ['control', lit(CONTROL), CONTROL], ['cp1252', lit(CP1252), CP1252]]],
  ['varcharmax', 'varchar(max)', [TYPES.VarChar, { length: Infinity }], [['big_3MB', lit(BIG_ASCII), BIG_ASCII], ['empty', "''", '']]],
  ['nchar10', 'nchar(10)', TYPES.NChar, [['short', "N'😀日本'", '😀日本' + ' '.repeat(6), '😀日本']]],
  ['nvarchar50', 'nvarchar(50)', TYPES.NVarChar, [['empty', "N''", ''], ['unicode', nlit(UNICODE), UNICODE]]],
  ['nvarcharmax', 'nvarchar(max)', [TYPES.NVarChar, { length: Infinity }], [['unicode', nlit(UNICODE), UNICODE],
    ['big', nlit(UNICODE.repeat(40000)), UNICODE.repeat(40000)]]],
  ['text', 'text', TYPES.Text, [['cp1252', lit(CP1252), CP1252], ['empty', "''", '']]],
  ['ntext', 'ntext', TYPES.NText, [['unicode', nlit(UNICODE), UNICODE]]],
  // (no length option: tedious would announce 8 bytes and send 2; binary(2) is converted by the server)
  ['binary8', 'binary(8)', TYPES.Binary, [['short', '0x0102', Buffer.from('0102000000000000', 'hex'), Buffer.from('0102', 'hex')]]],
  ['varbinary50', 'varbinary(50)', TYPES.VarBinary, [['empty', '0x', Buffer.alloc(0)], ['zero', '0x00', Buffer.from([0])]]],
  ['varbinarymax', 'varbinary(max)', [TYPES.VarBinary, { length: Infinity }], [['big_4MB', '0x' + BIG_BYTES.toString('hex'), BIG_BYTES]]],
  ['image', 'image', TYPES.Image, [['small', '0x00FF10', Buffer.from([0, 255, 16])]]],
  ['uniqueidentifier', 'uniqueidentifier', TYPES.UniqueIdentifier, [
    ['mixed', "'6F9619FF-8B86-D011-B42D-00C04FC964FF'", '6F9619FF-8B86-D011-B42D-00C04FC964FF'],
    ['zero', "'00000000-0000-0000-0000-000000000000'", '00000000-0000-0000-0000-000000000000']]],
  ['xml', 'xml', TYPES.NVarChar, [['doc', `N'<root><item id="1">héllo 😀</item></root>'`, '<root><item id="1">héllo 😀</item></root>']]],
  ['sql_variant', 'sql_variant', null, [['int', 'CAST(42 AS int)', 42, SKIP], ['nvarchar', "CAST(N'héllo' AS nvarchar(20))", 'héllo', SKIP]]],
];

function describe(v) {
  if (Buffer.isBuffer(v)) return `Buffer(${v.length}) ${v.subarray(0, 8).toString('hex')}`;
  if (typeof v === 'string' && v.length > 60) return `string(${v.length}) ${JSON.stringify(v.slice(0, 30))}...`;
  if (v instanceof Date) return `Date ${isNaN(v) ? 'Invalid' : v.toISOString()} +${v.nanosecondsDelta ?? 0}s`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function mismatch(actual, expected, approx = false) {
  if (approx && typeof expected === 'number' && typeof actual === 'number') {
    return Math.abs(actual - expected) <= Math.abs(expected) * 2.3e-16 ? null : `expected ~${expected}, got ${actual}`;
  }
  if (expected === null) return actual === null ? null : `expected NULL, got ${describe(actual)}`;
  if (actual === null || actual === undefined) return `expected ${describe(expected)}, got NULL`;
  if (Buffer.isBuffer(expected)) {
    return Buffer.isBuffer(actual) && actual.equals(expected) ? null : `expected ${describe(expected)}, got ${describe(actual)}`;
  }
  if (expected && typeof expected === 'object' && 'date' in expected) {
    if (!(actual instanceof Date) || isNaN(actual)) return `expected Date ${expected.date}, got ${describe(actual)}`;
    if (actual.toISOString() !== expected.date) return `expected ${expected.date}, got ${actual.toISOString()}`;
    const ns = actual.nanosecondsDelta ?? 0;
    if (Math.abs(ns - expected.ns) > 1e-12) return `${expected.date}: nanosecondsDelta ${ns}, expected ${expected.ns}`;
    return null;
  }
  if (typeof actual !== typeof expected || actual !== expected) {
    if (typeof expected === 'string' && typeof actual === 'string') {
      let i = 0;
      while (i < actual.length && actual[i] === expected[i]) i++;
      return `strings differ (len ${actual.length} vs ${expected.length}) at ${i}: ${JSON.stringify(actual.slice(i, i + 12))} vs ${JSON.stringify(expected.slice(i, i + 12))}`;
    }
    return `expected ${describe(expected)}, got ${describe(actual)}`;
  }
  return null;
}

function paramFor(spec, value) {
  const [type, options] = Array.isArray(spec) ? spec : [spec, undefined];
  if (value && typeof value === 'object' && 'date' in value) value = new Date(value.date);
  return { type, value, options };
}

let emu;
test.before(async () => { emu = await startEmulator(); });
test.after(async () => { if (emu) await emu.stop(); });

async function withConn(fn) {
  const conn = await connect(emu);
  try { return await fn(conn); } finally { await close(conn); }
}

const APPROX = /^(decimal|numeric|money|smallmoney)/;

async function checkTable(conn, table, decl, temporal, inserted) {
  const problems = [];
  const { rows } = await query(conn, `SELECT id, v FROM ${table} ORDER BY id`);
  const got = new Map(rows.map((r) => [r[0], r[1]]));
  for (const [id, c] of inserted) {
    if (!got.has(id)) { problems.push(`${decl} ${c.label}: row ${id} missing`); continue; }
    const m = mismatch(got.get(id), c.expected, APPROX.test(decl));
    if (m) problems.push(`${decl} ${c.label}: ${m}`);
    if (c.text121) {
      // date/time: style 121 shows all 7 fractional digits; numbers: the exact decimal text
      // (money style 2 prints four decimals; style 0 would round to two)
      const conv = temporal ? 'CONVERT(varchar(40), v, 121)' : /money/.test(decl) ? 'CONVERT(varchar(60), v, 2)' : 'CONVERT(varchar(60), v)';
      const s = await scalar(conn, `SELECT ${conv} FROM ${table} WHERE id = ${id}`);
      if (s !== c.text121) problems.push(`${decl} ${c.label}: ${conv} = ${JSON.stringify(s)}, expected ${c.text121}`);
    }
  }
  return problems;
}

for (const [id, decl, ptype, rawCases] of TYPE_TABLE) {
  const cases = rawCases.map(([label, literal, expected, param, text121]) => ({ label, literal, expected, param, text121 }));
  cases.push({ label: 'null', literal: 'NULL', expected: null, param: null });
  const temporal = /date|time/.test(decl);

  test(`literal roundtrip ${decl}`, { timeout: T_MS }, () => withConn(async (conn) => {
    const table = tableName(`tlit_${id}`);
    await query(conn, `CREATE TABLE ${table} (id int NOT NULL PRIMARY KEY, v ${decl} NULL)`);
    const problems = [];
    const inserted = [];
    for (const [i, c] of cases.entries()) {
      try {
        await query(conn, `INSERT INTO ${table} (id, v) VALUES (${i}, ${c.literal})`);
        inserted.push([i, c]);
      } catch (e) { problems.push(`${decl} ${c.label}: INSERT literal failed: ${e.message}`); }
    }
    problems.push(...await checkTable(conn, table, decl, temporal, inserted));
    await query(conn, `DROP TABLE ${table}`);
    assert.deepEqual(problems, []);
  }));

  if (ptype === null) continue;
  test(`parameter roundtrip ${decl}`, { timeout: T_MS }, () => withConn(async (conn) => {
    const table = tableName(`tpar_${id}`);
    await query(conn, `CREATE TABLE ${table} (id int NOT NULL PRIMARY KEY, v ${decl} NULL)`);
    const problems = [];
    const inserted = [];
    for (const [i, c] of cases.entries()) {
      if (c.param === SKIP) continue;
      const pv = c.param === undefined ? c.expected : c.param;
      try {
        await query(conn, `INSERT INTO ${table} (id, v) VALUES (@id, @v)`,
          [{ name: 'id', type: TYPES.Int, value: i }, { name: 'v', ...paramFor(ptype, pv) }]);
        inserted.push([i, c]);
      } catch (e) { problems.push(`${decl} ${c.label}: INSERT with parameter failed: ${e.message}`); }
    }
    problems.push(...await checkTable(conn, table, decl, temporal, inserted));
    await query(conn, `DROP TABLE ${table}`);
    assert.deepEqual(problems, []);
  }));
}

test('all types in one table (columns read in one row)', { timeout: T_MS }, () => withConn(async (conn) => {
  const table = tableName('tall');
  const cols = TYPE_TABLE.map(([id, decl]) => `c_${id} ${decl} NULL`).join(', ');
  await query(conn, `CREATE TABLE ${table} (id int NOT NULL PRIMARY KEY, ${cols}, c_rv rowversion)`);
  const names = TYPE_TABLE.map(([id]) => `c_${id}`).join(', ');
  await query(conn, `INSERT INTO ${table} (id, ${names}) VALUES (1, ${TYPE_TABLE.map((t) => t[3][0][1]).join(', ')})`);
  await query(conn, `INSERT INTO ${table} (id) VALUES (2)`);
  const { rows, columns } = await query(conn, `SELECT ${names}, c_rv FROM ${table} ORDER BY id`);
  assert.equal(columns.length, TYPE_TABLE.length + 1);
  const problems = [];
  TYPE_TABLE.forEach((t, i) => {
    const m1 = mismatch(rows[0][i], t[3][0][2], APPROX.test(t[1]));
    if (m1) problems.push(`row 1 ${t[1]}: ${m1}`);
    const m2 = mismatch(rows[1][i], null);
    if (m2) problems.push(`row 2 ${t[1]}: ${m2}`);
  });
  const rv = rows.map((r) => r[r.length - 1]);
  if (!rv.every((b) => Buffer.isBuffer(b) && b.length === 8) || rv[0].equals(rv[1])) {
    problems.push(`rowversion values ${rv.map(describe)}`);
  }
  await query(conn, `DROP TABLE ${table}`);
  assert.deepEqual(problems, []);
}));

test('NUL character and megabyte values built by the server', { timeout: T_MS }, () => withConn(async (conn) => {
  assert.equal(await scalar(conn, "SELECT N'a' + NCHAR(0) + N'b'"), 'a\0b');
  assert.equal(await scalar(conn, 'SELECT DATALENGTH(@p)', [{ name: 'p', type: TYPES.NVarChar, value: 'a\0b' }]), 6);
  const n = 3 * MB;
  const s = await scalar(conn, `SELECT REPLICATE(CAST('ab' AS varchar(max)), ${n / 2})`);
  assert.equal(s.length, n);
  assert.ok(s === 'ab'.repeat(n / 2));
}));

// ---- errors ----------------------------------------------------------------
const ERRORS = [
  ['invalid object', [], 'SELECT * FROM no_such_table_xyz', 208, 16, ["Invalid object name 'no_such_table_xyz'."]],
  ['invalid column', ['CREATE TABLE {t} (id int NOT NULL PRIMARY KEY)'], 'SELECT no_such_col FROM {t}', 207, 16,
    ["Invalid column name 'no_such_col'."]],
  ['syntax', [], 'SELECT * FROM sys.objects WHERE (1 = 1', 102, 15, ['Incorrect syntax near']],
  ['duplicate key', ['CREATE TABLE {t} (id int NOT NULL CONSTRAINT pk_{t} PRIMARY KEY)', 'INSERT INTO {t} VALUES (1)'],
    'INSERT INTO {t} VALUES (1)', 2627, 14, ["Violation of PRIMARY KEY constraint 'pk_{t}'.", 'The duplicate key value is (1).']],
  ['null into not null', ['CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, v int NOT NULL)'], 'INSERT INTO {t} VALUES (1, NULL)',
    515, 16, ["Cannot insert the value NULL into column 'v', table 'clienttest.dbo.{t}'; column does not allow nulls."]],
  ['truncation', ['CREATE TABLE {t} (id int NOT NULL PRIMARY KEY, s varchar(3))'], "INSERT INTO {t} VALUES (1, 'abcdef')",
    2628, 16, ["String or binary data would be truncated in table 'clienttest.dbo.{t}', column 's'. Truncated value: 'abc'."]],
  ['conversion 245', [], "SELECT CAST('abc' AS int)", 245, 16, ["Conversion failed when converting the varchar value 'abc' to data type int."]],
  ['conversion 8114', [], "SELECT CAST('abc' AS decimal(10,2))", 8114, 16, ['Error converting data type varchar to numeric.']],
];

for (const [label, setup, failing, number, klass, fragments] of ERRORS) {
  test(`error ${number} (${label}) and the connection still works`, { timeout: T_MS }, () => withConn(async (conn) => {
    const t = tableName('terr');
    for (const s of setup) await query(conn, s.replaceAll('{t}', t));
    let err = null;
    try { await query(conn, failing.replaceAll('{t}', t)); } catch (e) { err = e; }
    assert.ok(err, 'expected the statement to fail');
    assert.equal(err.number, number, `number (message: ${err.message})`);
    assert.equal(err.class, klass, `class (message: ${err.message})`);
    for (const f of fragments) assert.ok(err.message.includes(f.replaceAll('{t}', t)), `message ${JSON.stringify(err.message)} lacks ${f}`);
    assert.equal(await scalar(conn, 'SELECT 42'), 42);
  }));
}

test('error 8114 from a parameter conversion', { timeout: T_MS }, () => withConn(async (conn) => {
  let err = null;
  try {
    await query(conn, 'SELECT CAST(@p AS decimal(10,2))', [{ name: 'p', type: TYPES.NVarChar, value: 'abc' }]);
  } catch (e) { err = e; }
  assert.ok(err);
  assert.equal(err.number, 8114, err.message);
  assert.ok(err.message.includes('Error converting data type nvarchar to numeric.'), err.message);
}));

test('login errors: 18456 wrong password, 4060 unknown database', { timeout: T_MS }, async () => {
  let err = null;
  try { await connect(emu, { password: 'wrong' }); } catch (e) { err = e; }
  assert.ok(err, 'login with a wrong password succeeded');
  assert.equal(err.code, 'ELOGIN');
  assert.equal(err.message, "Login failed for user 'sa'.");
  assert.deepEqual(err.serverErrors.map((e) => [e.number, e.class]), [[18456, 14]]);

  err = null;
  try { await connect(emu, { database: 'no_such_db' }); } catch (e) { err = e; }
  assert.ok(err, 'login to an unknown database succeeded');
  const nums = err.serverErrors.map((e) => e.number);
  assert.ok(nums.includes(4060), `server errors ${JSON.stringify(err.serverErrors)}`);
  const e4060 = err.serverErrors.find((e) => e.number === 4060);
  assert.equal(e4060.class, 11);
  assert.equal(e4060.message, 'Cannot open database "no_such_db" requested by the login. The login failed.');
  // a good login still works afterwards
  await withConn(async (conn) => assert.equal(await scalar(conn, 'SELECT DB_NAME()'), 'clienttest'));
});

// ---- volume and transactions ---------------------------------------------------
test('100k rows drain completely', { timeout: T_MS }, () => withConn(async (conn) => {
  const t = tableName('tbig');
  await query(conn, `CREATE TABLE ${t}_d (n int NOT NULL); INSERT INTO ${t}_d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)`);
  await query(conn, `CREATE TABLE ${t} (id int NOT NULL PRIMARY KEY, name nvarchar(40) NOT NULL)`);
  await query(conn, `INSERT INTO ${t} (id, name) SELECT x.id, N'row-' + CAST(x.id AS nvarchar(10)) FROM
    (SELECT a.n + 10*b.n + 100*c.n + 1000*d.n + 10000*e.n AS id FROM ${t}_d a CROSS JOIN ${t}_d b CROSS JOIN ${t}_d c
     CROSS JOIN ${t}_d d CROSS JOIN ${t}_d e) AS x`);
  const { rows } = await query(conn, `SELECT id, name FROM ${t} ORDER BY id`);
  assert.equal(rows.length, 100000);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i][0] !== i || rows[i][1] !== `row-${i}`) assert.fail(`row ${i}: ${JSON.stringify(rows[i])}`);
  }
  assert.equal(await scalar(conn, `SELECT COUNT(*) FROM ${t}`), 100000);
  await query(conn, `DROP TABLE ${t}; DROP TABLE ${t}_d`);
}));

test('rolled-back transaction is not visible (SQL and tedious API)', { timeout: T_MS }, () => withConn(async (conn) => {
  const t = tableName('ttx');
  await query(conn, `CREATE TABLE ${t} (id int NOT NULL PRIMARY KEY)`);
  await query(conn, `INSERT INTO ${t} VALUES (1)`);
  await query(conn, `BEGIN TRANSACTION; INSERT INTO ${t} VALUES (2); DELETE FROM ${t} WHERE id = 1`);
  assert.deepEqual((await query(conn, `SELECT id FROM ${t}`)).rows, [[2]]);
  await query(conn, 'ROLLBACK TRANSACTION');
  assert.deepEqual((await query(conn, `SELECT id FROM ${t}`)).rows, [[1]]);
  // tedious' own transaction API (TM_BEGIN_XACT / TM_ROLLBACK_XACT requests)
  await new Promise((res, rej) => conn.beginTransaction((e) => (e ? rej(e) : res())));
  await query(conn, `INSERT INTO ${t} VALUES (3)`);
  assert.equal(await scalar(conn, 'SELECT @@TRANCOUNT'), 1);
  await new Promise((res, rej) => conn.rollbackTransaction((e) => (e ? rej(e) : res())));
  assert.equal(await scalar(conn, 'SELECT @@TRANCOUNT'), 0);
  assert.deepEqual((await query(conn, `SELECT id FROM ${t}`)).rows, [[1]]);
  await new Promise((res, rej) => conn.beginTransaction((e) => (e ? rej(e) : res())));
  await query(conn, `INSERT INTO ${t} VALUES (4)`);
  await new Promise((res, rej) => conn.commitTransaction((e) => (e ? rej(e) : res())));
  await withConn(async (other) => assert.deepEqual((await query(other, `SELECT id FROM ${t} ORDER BY id`)).rows, [[1], [4]]));
}));

// ---- column metadata (COLMETADATA token) -------------------------------------
// [declaration, tedious type names accepted, checks on the metadata]
const METADATA = [
  ['int NOT NULL', ['Int'], {}],
  ['bit NOT NULL', ['Bit'], {}],
  ['bit', ['BitN'], {}],
  ['tinyint', ['IntN'], { dataLength: 1 }],
  ['smallint', ['IntN'], { dataLength: 2 }],
  ['int', ['IntN'], { dataLength: 4 }],
  ['bigint', ['IntN'], { dataLength: 8 }],
  ['decimal(38,10)', ['DecimalN', 'NumericN'], { precision: 38, scale: 10 }],
  ['numeric(18,4)', ['DecimalN', 'NumericN'], { precision: 18, scale: 4 }],
  ['money', ['MoneyN'], { dataLength: 8 }],
  ['smallmoney', ['MoneyN'], { dataLength: 4 }],
  ['real', ['FloatN'], { dataLength: 4 }],
  ['float', ['FloatN'], { dataLength: 8 }],
  ['date', ['Date'], {}],
  ['time(7)', ['Time'], { scale: 7 }],
  ['time(0)', ['Time'], { scale: 0 }],
  ['smalldatetime', ['DateTimeN'], { dataLength: 4 }],
  ['datetime', ['DateTimeN'], { dataLength: 8 }],
  ['datetime2(7)', ['DateTime2'], { scale: 7 }],
  ['datetime2(0)', ['DateTime2'], { scale: 0 }],
  ['datetimeoffset(7)', ['DateTimeOffset'], { scale: 7 }],
  ['char(10)', ['Char'], { dataLength: 10 }],
  ['varchar(50)', ['VarChar'], { dataLength: 50 }],
  ['varchar(max)', ['VarChar'], { dataLength: 65535 }],
  ['nchar(10)', ['NChar'], { dataLength: 20 }],
  ['nvarchar(50)', ['NVarChar'], { dataLength: 100 }],
  ['nvarchar(max)', ['NVarChar'], { dataLength: 65535 }],
  ['text', ['Text'], {}],
  ['ntext', ['NText'], {}],
  ['binary(8)', ['Binary'], { dataLength: 8 }],
  ['varbinary(50)', ['VarBinary'], { dataLength: 50 }],
  ['varbinary(max)', ['VarBinary'], { dataLength: 65535 }],
  ['image', ['Image'], {}],
  ['uniqueidentifier', ['UniqueIdentifier'], { dataLength: 16 }],
  ['xml', ['Xml'], {}],
  ['sql_variant', ['Variant'], {}],
  ['rowversion', ['Binary'], { dataLength: 8 }],
];

test('column metadata of every type', { timeout: T_MS }, () => withConn(async (conn) => {
  const t = tableName('tmeta');
  const cols = METADATA.map(([decl], i) => `c${i} ${decl}`).join(', ');
  await query(conn, `CREATE TABLE ${t} (${cols})`);
  const { columns } = await query(conn, `SELECT * FROM ${t}`);
  assert.equal(columns.length, METADATA.length);
  const problems = [];
  METADATA.forEach(([decl, names, checks], i) => {
    const c = columns[i];
    if (c.colName !== `c${i}`) problems.push(`${decl}: column name ${c.colName}`);
    if (!names.includes(c.type.name)) problems.push(`${decl}: type ${c.type.name} (0x${c.type.id.toString(16)}), expected ${names.join('|')}`);
    for (const [k, v] of Object.entries(checks)) {
      if (c[k] !== v) problems.push(`${decl}: ${k} ${c[k]}, expected ${v}`);
    }
    const nullable = (c.flags & 0x01) === 1;
    const wantNullable = !/NOT NULL|rowversion/.test(decl);
    if (nullable !== wantNullable) problems.push(`${decl}: nullable flag ${nullable}, expected ${wantNullable}`);
  });
  await query(conn, `DROP TABLE ${t}`);
  assert.deepEqual(problems, []);
}));

// ---- cancel (ATTENTION) ------------------------------------------------------------
test('cancelling a running query (ATTENTION) leaves the connection usable', { timeout: T_MS }, () => withConn(async (conn) => {
  const t = tableName('tcancel');
  await query(conn, `CREATE TABLE ${t}_d (n int NOT NULL); INSERT INTO ${t}_d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)`);
  const err = await new Promise((resolve) => {
    let seen = 0;
    const req = new Request(`SELECT a.n, b.n, c.n, d.n, e.n, f.n FROM ${t}_d a CROSS JOIN ${t}_d b CROSS JOIN ${t}_d c
      CROSS JOIN ${t}_d d CROSS JOIN ${t}_d e CROSS JOIN ${t}_d f`, (e) => resolve(e));
    req.on('row', () => { seen += 1; if (seen === 10) conn.cancel(); });
    conn.execSqlBatch(req);
  });
  assert.ok(err, 'the cancelled request should end with an error');
  assert.equal(err.code, 'ECANCEL', err.message);
  assert.equal(await scalar(conn, 'SELECT 5'), 5);
  assert.equal(await scalar(conn, `SELECT COUNT(*) FROM ${t}_d`), 10);
}));
