'use strict';
// tedious against the emulator's imitation of Azure SQL, with tedious's own handling of it:
// an Azure AD access token (authentication type azure-active-directory-access-token), the
// redirect policy (tedious follows the routing ENVCHANGE by itself), and transient login
// errors (tedious retries 40613 by itself, maxRetriesOnTransientErrors times).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startEmulator, connect, scalar, close } = require('../helpers');

const T_MS = 60000;
const TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJib2IifQ.c2lnbmVk';
const TLS = { encrypt: true, trustServerCertificate: true };

async function withServers(argLists, body) {
  const servers = [];
  try {
    for (const args of argLists) servers.push(await startEmulator('clienttest', args(servers)));
    await body(...servers);
  } finally {
    for (const s of servers) await s.stop();
  }
}

function tokenAuth(token) {
  return { type: 'azure-active-directory-access-token', options: { token } };
}

// connect() with an authentication of our own (helpers.connect builds SQL logins).
function connectWith(emu, authentication, options = {}) {
  const { Connection } = require('tedious');
  const conn = new Connection({
    server: emu.host,
    authentication,
    options: { port: emu.port, database: emu.database, connectTimeout: 15000, ...TLS, ...options },
  });
  conn.on('error', () => {});
  return new Promise((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve(conn))));
}

test('an accepted access token logs in as its user; another fails with 18456', { timeout: T_MS }, () =>
  withServers([() => ['--encryption', 'required', '--accept-token', `bob@contoso.com:${TOKEN}`]], async (emu) => {
    const conn = await connectWith(emu, tokenAuth(TOKEN));
    assert.equal(await scalar(conn, 'SELECT SUSER_SNAME()'), 'bob@contoso.com');
    await close(conn);
    await assert.rejects(connectWith(emu, tokenAuth(TOKEN + 'x')),
      /Login failed for user '<token-identified principal>'/);
  }));

test('tedious follows a routing answer to the second emulator', { timeout: T_MS }, () => {
  const init = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'emu-route-')), 'target.sql');
  fs.writeFileSync(init, "USE clienttest\nGO\nCREATE TABLE where_am_i (name nvarchar(20))\nINSERT INTO where_am_i VALUES (N'target')\n");
  // The same login on both, as behind an Azure gateway.
  const login = ['--login', 'app:Routed-Pw-1'];
  return withServers([
    () => [...login, '--encryption', 'required', '--init', init],
    ([target]) => [...login, '--encryption', 'required', '--route-to', `127.0.0.1:${target.port}`],
  ], async (target, gateway) => {
    const conn = await connect(gateway, { user: 'app', password: 'Routed-Pw-1', options: TLS });
    assert.equal(await scalar(conn, 'SELECT name FROM where_am_i'), 'target');
    await close(conn);
  });
});

test('tedious retries transient login errors by itself, and gives up after its limit', { timeout: T_MS }, () =>
  withServers([
    () => ['--fail-logins', '2:40613'],
    () => ['--fail-logins', '9:40613'],
  ], async (twice, always) => {
    const conn = await connect(twice, { options: { connectionRetryInterval: 50 } });
    assert.equal(await scalar(conn, 'SELECT 1'), 1);
    await close(conn);
    const err = await connect(always, { options: { connectionRetryInterval: 50, maxRetriesOnTransientErrors: 2 } })
      .then(() => null, (e) => e);
    assert.ok(err, 'nine failures outlast two retries');
    assert.ok(err.serverErrors.some((e) => e.number === 40613 && /is not currently available/.test(e.message)),
      JSON.stringify(err.serverErrors));
  }));
