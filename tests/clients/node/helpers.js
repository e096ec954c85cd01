'use strict';
// Starts the real mssql-emulator binary and wraps tedious in promises.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Connection, Request, TYPES } = require('tedious');

const REPO = path.resolve(__dirname, '..', '..', '..');
const BIN = process.env.MSSQL_EMULATOR_BIN || path.join(REPO, 'target', 'release', 'mssql-emulator');

function startEmulator(database = 'clienttest', extraArgs = []) {
  if (!fs.existsSync(BIN)) {
    return Promise.reject(new Error(`emulator binary not found at ${BIN}: run cargo build --release first`));
  }
  const password = 'Pw-' + crypto.randomBytes(8).toString('hex') + '!';
  const logPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'emu-node-')), 'stderr.log');
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(BIN, ['--listen', '127.0.0.1:0', '--login', `sa:${password}`, '--database', database, ...extraArgs],
    { stdio: ['ignore', 'pipe', log] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`emulator printed no listening line in 30s; got ${JSON.stringify(buf)}`)); }, 30000);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited early with ${code}: ${fs.readFileSync(logPath, 'utf8').slice(-3000)}`)); });
    proc.stdout.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const m = /^listening (127\.0\.0\.1):(\d+)$/.exec(buf.slice(0, nl).trim());
      if (!m) { proc.kill('SIGKILL'); reject(new Error(`bad first line ${JSON.stringify(buf.slice(0, nl))}`)); return; }
      proc.removeAllListeners('exit');
      proc.stdout.resume();
      resolve({
        host: m[1], port: Number(m[2]), user: 'sa', password, database, proc, logPath,
        logTail: () => fs.readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n'),
        stop: () => new Promise((res) => {
          if (proc.exitCode !== null || proc.signalCode !== null) { res(); return; }
          proc.on('exit', () => res());
          proc.kill('SIGTERM');
          setTimeout(() => proc.kill('SIGKILL'), 10000).unref();
        }),
      });
    });
  });
}

// Resolves to {conn, messages}; rejects with the ConnectionError, to which the
// server's ERROR tokens seen during login are attached as err.serverErrors.
// `options` overrides tedious's connection options (encrypt, port...).
function connect(emu, { user, password, database, options = {} } = {}) {
  const conn = new Connection({
    server: emu.host,
    authentication: { type: 'default', options: { userName: user || emu.user, password: password ?? emu.password } },
    options: {
      port: emu.port, database: database || emu.database, encrypt: false, trustServerCertificate: true,
      connectTimeout: 15000, requestTimeout: 180000, appName: 'node-test-tedious',
      ...options,
    },
  });
  const serverErrors = [];
  conn.on('errorMessage', (t) => serverErrors.push({ number: t.number, class: t.class, message: t.message }));
  conn.on('error', () => {});
  return new Promise((resolve, reject) => {
    conn.connect((err) => {
      if (err) { err.serverErrors = serverErrors; reject(err); } else resolve(conn);
    });
  });
}

// Runs a batch (no params) or an RPC with params: [{name, type, value, options}].
// Resolves to {rows (arrays), columns, rowCounts}; rejects with the RequestError.
function query(conn, sql, params) {
  return new Promise((resolve, reject) => {
    const rows = [];
    let columns = [];
    const rowCounts = [];
    const req = new Request(sql, (err) => { if (err) reject(err); else resolve({ rows, columns, rowCounts }); });
    req.on('columnMetadata', (cols) => { columns = cols; });
    req.on('row', (cols) => rows.push(cols.map((c) => c.value)));
    req.on('doneInProc', (rc) => rowCounts.push(rc));
    req.on('done', (rc) => rowCounts.push(rc));
    if (params) {
      for (const p of params) req.addParameter(p.name, p.type, p.value, p.options);
      conn.execSql(req);
    } else {
      conn.execSqlBatch(req);
    }
  });
}

async function scalar(conn, sql, params) {
  const { rows } = await query(conn, sql, params);
  if (rows.length !== 1 || rows[0].length !== 1) throw new Error(`expected one value from ${sql}, got ${JSON.stringify(rows)}`);
  return rows[0][0];
}

function close(conn) {
  return new Promise((resolve) => {
    if (conn.closed) { resolve(); return; }
    const timer = setTimeout(resolve, 5000);
    conn.on('end', () => { clearTimeout(timer); resolve(); });
    conn.close();
  });
}

function tableName(prefix) {
  return `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
}

module.exports = { startEmulator, connect, query, scalar, close, tableName, TYPES, BIN };
