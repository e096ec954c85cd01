'use strict';
// tedious over TLS against the real mssql-emulator binary: encrypt: true (TLS inside PRELOGIN)
// and encrypt: 'strict' (TDS 8.0, TLS first), each through a relay that shows the query never
// travels in clear; and the refusals of a client that does not encrypt.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { startEmulator, connect, scalar, close } = require('../helpers');

const T_MS = 60000;

// A one-connection TCP relay on 127.0.0.1 that records both directions.
function relay(targetPort) {
  const toServer = [];
  const toClient = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.on('data', (d) => { toServer.push(d); upstream.write(d); });
    upstream.on('data', (d) => { toClient.push(d); client.write(d); });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      sent: () => Buffer.concat(toServer),
      received: () => Buffer.concat(toClient),
      close: () => server.close(),
    }));
  });
}

async function withServer(mode, body) {
  const certFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'emu-tls-')), 'cert.pem');
  const emu = await startEmulator('clienttest', ['--encryption', mode, '--write-certificate', certFile]);
  try {
    await body(emu, fs.readFileSync(certFile, 'utf8'));
  } finally {
    await emu.stop();
  }
}

async function encryptedSession(emu, options) {
  const r = await relay(emu.port);
  const marker = 'tls-' + crypto.randomBytes(6).toString('hex');
  try {
    const conn = await connect(emu, { options: { port: r.port, ...options } });
    assert.equal(await scalar(conn, `SELECT N'${marker}'`), marker);
    await close(conn);
  } finally {
    r.close();
  }
  const needle = Buffer.from(marker, 'utf16le');
  assert.ok(r.sent().length > 0 && r.received().length > 0, 'the relay saw no traffic');
  assert.equal(r.sent().indexOf(needle), -1, 'the query travelled in clear');
  assert.equal(r.received().indexOf(needle), -1, 'the result travelled in clear');
  return r;
}

test('encrypt: true, trustServerCertificate: true against --encryption required', { timeout: T_MS }, () =>
  withServer('required', async (emu) => {
    await encryptedSession(emu, { encrypt: true, trustServerCertificate: true });
  }));

test("encrypt: 'strict' against --encryption strict, verifying the served certificate", { timeout: T_MS }, () =>
  withServer('strict', async (emu, pem) => {
    const r = await encryptedSession(emu, { encrypt: 'strict', cryptoCredentialsDetails: { ca: pem } });
    assert.equal(r.sent()[0], 0x16, 'a strict client starts with a TLS record');
  }));

test("encrypt: 'strict' rejects a certificate it does not trust", { timeout: T_MS }, () =>
  withServer('strict', async (emu) => {
    await assert.rejects(connect(emu, { options: { encrypt: 'strict' } }), /certificate/i);
  }));

test('encrypt: false is refused by --encryption required and strict', { timeout: T_MS }, async () => {
  for (const mode of ['required', 'strict']) {
    await withServer(mode, async (emu) => {
      await assert.rejects(connect(emu, { options: { encrypt: false } }));
      // The emulator logs why, just after closing the connection.
      const said = /refused|requires TDS 8\.0 strict/;
      for (let i = 0; i < 40 && !said.test(emu.logTail()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(emu.logTail(), said, `${mode}: ${emu.logTail()}`);
    });
  }
});
