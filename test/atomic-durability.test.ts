// Durable atomic writes: a record's data is fsynced before its rename and its folder after it, so a
// power loss cannot leave the new name on an empty file; verified outputs (PNGs, job records) are
// fsynced only with MEDBANK_FSYNC=all. The fs calls are observed by wrapping Node's own functions.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { openAtomic, writeAtomic } from '../src/io/files/atomic.js';
import { build } from '../src/pipeline/build.js';
import { tempDir } from './helpers.js';
import { fixtureRaw } from './tree.js';

type Event = { call: 'datasync' | 'sync'; file: string } | { call: 'rename'; from: string; to: string };

/** Logs every datasync/sync (with the path of its descriptor) and rename of this thread until the test ends. */
async function observeFs(t: TestContext, dir: string): Promise<Event[]> {
  const events: Event[] = [];
  const probe = await open(path.join(dir, '.probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as Record<'datasync' | 'sync', (this: { fd: number }) => Promise<void>>;
  await probe.close();
  const originals = { datasync: proto.datasync, sync: proto.sync, rename: fs.promises.rename };
  for (const call of ['datasync', 'sync'] as const) {
    proto[call] = function (this: { fd: number }) {
      events.push({ call, file: fs.readlinkSync(`/proc/self/fd/${this.fd}`) });
      return originals[call].call(this);
    };
  }
  fs.promises.rename = (from, to) => {
    events.push({ call: 'rename', from: String(from), to: String(to) });
    return originals.rename(from, to);
  };
  syncBuiltinESMExports();
  t.after(() => {
    Object.assign(proto, { datasync: originals.datasync, sync: originals.sync });
    fs.promises.rename = originals.rename;
    syncBuiltinESMExports();
  });
  return events;
}

/** Asserts that `file` (its last write) was renamed into place after its temp file's data was synced, and its folder synced after. */
function assertDurable(events: Event[], file: string): void {
  const renamed = events.map((e) => e.call === 'rename' && e.to === file).lastIndexOf(true);
  assert.ok(renamed >= 0, `${file} was not renamed into place`);
  const tmp = (events[renamed] as { from: string }).from;
  const synced = events.findIndex((e) => e.call !== 'rename' && e.file === tmp);
  assert.ok(synced >= 0 && synced < renamed, `${path.basename(file)}: data not fsynced before the rename`);
  const folder = events.findIndex((e, i) => i > renamed && e.call === 'sync' && e.file === path.dirname(file));
  assert.ok(folder > renamed, `${path.basename(file)}: folder not fsynced after the rename`);
}

test('writeAtomic and openAtomic fsync the data before the rename and the folder after it', async (t) => {
  const dir = await tempDir(t);
  const events = await observeFs(t, dir);
  const whole = path.join(dir, 'a', 'record.json');
  await writeAtomic(whole, '{"a":1}\n');
  assertDurable(events, whole);
  const streamed = path.join(dir, 'b', 'manifest.jsonl');
  const out = await openAtomic(streamed);
  await out.write('{"row":1}\n');
  await out.commit();
  assertDurable(events, streamed);
  assert.equal(await readFile(streamed, 'utf8'), '{"row":1}\n');
});

test('verified outputs are not fsynced, unless MEDBANK_FSYNC=all', async (t) => {
  const dir = await tempDir(t);
  const events = await observeFs(t, dir);
  const png = path.join(dir, 'x.png');
  await writeAtomic(png, new Uint8Array([1, 2, 3]), { verified: true });
  assert.deepEqual(
    events.filter((e) => e.call !== 'rename'),
    [],
  );
  t.after(() => delete process.env.MEDBANK_FSYNC);
  process.env.MEDBANK_FSYNC = 'all';
  await writeAtomic(png, new Uint8Array([4]), { verified: true });
  assertDurable(events, png);
  assert.deepEqual([...(await readFile(png))], [4]);
});

test('a build fsyncs its records: options, split files, manifest, medbank.json', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['CVC-ColonDB']]);
  const out = path.join(dir, 'out');
  const events = await observeFs(t, dir);
  const result = await build({ raw, out, size: 16, workers: 1 });
  const task = result.record!.tasks[0].id;
  for (const file of ['.medbank/options.json', `${task}/train.txt`, `${task}/test.txt`, 'manifest.jsonl', 'medbank.json']) {
    assertDurable(events, path.join(out, file));
  }
});
