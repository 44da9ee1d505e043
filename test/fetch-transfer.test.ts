// Downloads against a loopback server: Range resume, servers ignoring Range, redirects, 503, 429
// Retry-After, an HTML login page answered with 200, a short body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { transfer, type RetryPolicy } from '../src/acquire/transfer.js';
import { tempDir } from './helpers.js';
import { loopback, sendFile } from './fetch-server.js';

const FAST: RetryPolicy = { attempts: 4, baseMs: 10, maxWaitMs: 5000 };
const DATA = randomBytes(300_000);
const SHA = createHash('sha256').update(DATA).digest('hex');

test('a connection dropped mid-body is resumed with a Range request and the file is whole', async (t) => {
  const served = { count: 0 };
  const server = await loopback(t, (req, res) => sendFile(req, res, DATA, { dropAfter: 100_000 }, served));
  const partial = path.join(await tempDir(t), 'a.zip.partial');
  const retries: string[] = [];
  const r = await transfer({ url: `${server.url}/a.zip`, partial, label: 'a.zip', retry: FAST, onRetry: (reason) => retries.push(reason) });
  assert.equal(r.sha256, SHA);
  assert.equal(r.bytes, DATA.length);
  assert.equal(r.resumed, true);
  assert.equal(server.seen.length, 2);
  assert.equal(server.seen[0].headers.range, undefined);
  assert.match(server.seen[1].headers.range ?? '', /^bytes=\d+-$/);
  assert.ok(Number(/\d+/.exec(server.seen[1].headers.range!)![0]) > 0);
  assert.match(retries[0], /connection lost after \d+ of 300000 bytes/);
  assert.ok((await readFile(partial)).equals(DATA));
});

test('a server that ignores Range gets a clean restart, not a doubled file', async (t) => {
  const served = { count: 0 };
  const server = await loopback(t, (req, res) => sendFile(req, res, DATA, { range: false, dropAfter: 120_000 }, served));
  const partial = path.join(await tempDir(t), 'b.zip.partial');
  const r = await transfer({ url: `${server.url}/b.zip`, partial, label: 'b.zip', retry: FAST });
  assert.equal(r.sha256, SHA);
  assert.equal(r.resumed, false);
  assert.match(server.seen[1].headers.range ?? '', /^bytes=/, 'the second attempt asked for a range');
  assert.equal((await stat(partial)).size, DATA.length);
});

test('redirects are followed up to a limit; credentials stay with their origin', async (t) => {
  const served = { count: 0 };
  const storage = await loopback(t, (req, res) => sendFile(req, res, DATA, {}, served));
  const api = await loopback(t, (req, res) => {
    const hop = Number(/\/hop(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    if (req.url?.startsWith('/loop')) res.writeHead(302, { location: '/loop' }).end();
    else if (hop < 3) res.writeHead(hop % 2 ? 301 : 307, { location: `/hop${hop + 1}` }).end();
    else res.writeHead(302, { location: `${storage.url}/signed?sig=abc` }).end();
  });
  const dir = await tempDir(t);
  const r = await transfer({
    url: `${api.url}/hop0`,
    headers: { authorization: 'Bearer s3cret' },
    partial: path.join(dir, 'c.partial'),
    label: 'c.zip',
    retry: FAST,
  });
  assert.equal(r.sha256, SHA);
  assert.deepEqual(
    api.seen.map((s) => s.path),
    ['/hop0', '/hop1', '/hop2', '/hop3'],
  );
  assert.ok(api.seen.every((s) => s.headers.authorization === 'Bearer s3cret'));
  assert.equal(storage.seen[0].headers.authorization, undefined, 'the token is not sent to the storage host');
  await assert.rejects(
    transfer({ url: `${api.url}/loop`, partial: path.join(dir, 'd.partial'), label: 'd.zip', retry: FAST }),
    /more than 10 redirects/,
  );
});

test('503 and 429 are retried, honouring Retry-After', async (t) => {
  const served = { count: 0 };
  let calls = 0;
  const server = await loopback(t, (req, res) => {
    calls++;
    if (calls === 1) res.writeHead(503).end('busy');
    else if (calls === 2) res.writeHead(429, { 'retry-after': '1' }).end('slow down');
    else sendFile(req, res, DATA, {}, served);
  });
  const waits: number[] = [];
  const started = Date.now();
  const r = await transfer({
    url: `${server.url}/e.zip`,
    partial: path.join(await tempDir(t), 'e.partial'),
    label: 'e.zip',
    retry: FAST,
    onRetry: (_reason, waitMs) => waits.push(waitMs),
  });
  assert.equal(r.sha256, SHA);
  assert.deepEqual(waits, [10, 1000]);
  assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
});

test('an HTML login page answered with 200 is an error saying so, and nothing is kept', async (t) => {
  const server = await loopback(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!DOCTYPE html><html><body>Please sign in</body></html>');
  });
  const partial = path.join(await tempDir(t), 'f.partial');
  await assert.rejects(
    transfer({ url: `${server.url}/f.zip`, partial, label: 'f.zip', retry: FAST }),
    /answered with an HTML page \(text\/html.*where f\.zip was expected/,
  );
  // A page sent as octet-stream is caught by its first bytes.
  const sneaky = await loopback(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('<html><head><title>Login</title></head></html>');
  });
  await assert.rejects(
    transfer({ url: `${sneaky.url}/g.zip`, partial, label: 'g.zip', retry: FAST }),
    /sent a web page \(HTML or JSON\) where g\.zip was expected/,
  );
  assert.equal(await stat(partial).catch(() => undefined), undefined);
});

test('a body that always ends short fails after the bounded retries, naming the byte counts', async (t) => {
  const served = { count: 0 };
  const server = await loopback(t, (req, res) => sendFile(req, res, DATA, { range: false, dropAfter: 1000, dropTimes: 99 }, served));
  await assert.rejects(
    transfer({ url: `${server.url}/h.zip`, partial: path.join(await tempDir(t), 'h.partial'), label: 'h.zip', retry: FAST }),
    /gave up after 4 attempts: connection lost after \d+ of 300000 bytes/,
  );
  assert.equal(server.seen.length, 4);
});

test('a file changed on the server since the partial began comes whole (If-Range); a rebuilt-per-download file never resumes', async (t) => {
  const served = { count: 0 };
  const changed = randomBytes(200_000);
  let version = 1;
  const server = await loopback(t, (req, res) =>
    version === 1
      ? sendFile(req, res, DATA, { etag: '"v1"', dropAfter: 100_000 }, served)
      : sendFile(req, res, changed, { etag: '"v2"' }, { count: 0 }),
  );
  const dir = await tempDir(t);
  const partial = path.join(dir, 'i.partial');
  await assert.rejects(
    transfer({ url: `${server.url}/i.zip`, partial, label: 'i.zip', retry: { ...FAST, attempts: 1 } }),
    /gave up after 1 attempts/,
  );
  assert.equal(await readFile(`${partial}.validator`, 'utf8'), '"v1"');
  version = 2;
  const r = await transfer({ url: `${server.url}/i.zip`, partial, label: 'i.zip', retry: FAST });
  assert.equal(server.seen[1].headers['if-range'], '"v1"');
  assert.equal(r.sha256, createHash('sha256').update(changed).digest('hex'));
  assert.equal(await stat(`${partial}.validator`).catch(() => undefined), undefined, 'the validator goes with the finished file');

  const camus = path.join(dir, 'camus.partial');
  await writeFile(camus, DATA.subarray(0, 5000));
  const seen = server.seen.length;
  const whole = await transfer({ url: `${server.url}/CAMUS.zip`, partial: camus, label: 'CAMUS.zip', resumable: false, retry: FAST });
  assert.equal(server.seen[seen].headers.range, undefined);
  assert.equal(whole.sha256, createHash('sha256').update(changed).digest('hex'));
});
