// fetch end to end through --mirror on a loopback server: archives in the layout of the real releases
// are downloaded, verified, unpacked and built into the same tree as the fixtures; a checksum
// mismatch unpacks nothing and leaves no file under the archive's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from '../src/catalog/registry.js';
import { fetchSources } from '../src/acquire/fetch.js';
import { readLock } from '../src/acquire/lock.js';
import { fixtureFor } from '../src/fixtures/registry.js';
import type { SourceAdapter } from '../src/catalog/types.js';
import { buildWhole, tempDir, treeHashes } from './helpers.js';
import { mirrorOf, type Loopback } from './fetch-server.js';
import type { TestContext } from 'node:test';
import { fileHashes, packFolder, withChecksums } from './fetch-archives.js';

async function adapter(id: string): Promise<SourceAdapter> {
  return (await catalog()).find((a) => a.id === id)!;
}

test('Kvasir-SEG zip and Task06_Lung tar via --mirror: fetched, unpacked, built into the fixtures tree', async (t) => {
  const dir = await tempDir(t);
  const fixtureRaw = path.join(dir, 'fixture-raw');
  await (await fixtureFor('Kvasir-SEG')).generate(fixtureRaw);
  await (await fixtureFor('MSD_Lung')).generate(fixtureRaw);
  // The real kvasir-seg.zip holds only its Kvasir-SEG/ top folder, not the separate split lists.
  await rm(path.join(fixtureRaw, 'Kvasir-SEG', 'kvasir-seg-train-val'), { recursive: true });
  const mirror = path.join(dir, 'mirror');
  await mkdir(path.join(mirror, 'Kvasir-SEG'), { recursive: true });
  await mkdir(path.join(mirror, 'MSD_Lung'), { recursive: true });
  if (!packFolder(t, 'zip', path.join(fixtureRaw, 'Kvasir-SEG', 'Kvasir-SEG'), path.join(mirror, 'Kvasir-SEG', 'kvasir-seg.zip'))) return;
  packFolder(t, 'tar', path.join(fixtureRaw, 'MSD_Lung', 'Task06_Lung'), path.join(mirror, 'MSD_Lung', 'Task06_Lung.tar'));
  const sources = [
    withChecksums(await adapter('Kvasir-SEG'), { 'kvasir-seg.zip': await fileHashes(path.join(mirror, 'Kvasir-SEG', 'kvasir-seg.zip')) }),
    withChecksums(await adapter('MSD_Lung'), { 'Task06_Lung.tar': await fileHashes(path.join(mirror, 'MSD_Lung', 'Task06_Lung.tar')) }),
  ];
  const server = await mirrorOf(t, mirror);
  const raw = path.join(dir, 'raw');
  const options = { raw, sources, explicit: true, jobs: 2, mirror: server.url, env: {} };

  const first = await fetchSources(options);
  assert.deepEqual(
    first.outcomes.map((o) => [o.source, o.status]),
    [
      ['Kvasir-SEG', 'fetched'],
      ['MSD_Lung', 'fetched'],
    ],
  );
  assert.deepEqual(
    await treeHashes(path.join(raw, 'MSD_Lung')),
    await treeHashes(path.join(fixtureRaw, 'MSD_Lung')),
    'the tar unpacked whole, ._* files included',
  );
  const lock = (await readLock(raw))!;
  assert.equal(lock.sources['Kvasir-SEG'].archives[0].url, `${server.url}/Kvasir-SEG/kvasir-seg.zip`);
  assert.equal(lock.sources['Kvasir-SEG'].archives[0].pinnedBy, 'test archive');
  assert.equal(lock.sources.MSD_Lung.archives[0].sha256, (await fileHashes(path.join(mirror, 'MSD_Lung', 'Task06_Lung.tar'))).sha256);
  assert.match(lock.sources.MSD_Lung.unpacked.digest, /^sha256:[0-9a-f]{64}$/);

  const requests = server.seen.length;
  const again = await fetchSources(options);
  assert.deepEqual(
    again.outcomes.map((o) => o.status),
    ['ready', 'ready'],
  );
  assert.equal(server.seen.length, requests, 'a rerun downloads nothing');

  const build = (rawDir: string, out: string) =>
    buildWhole({
      raw: rawDir,
      out,
      sources: ['Kvasir-SEG', 'MSD_Lung'],
      size: 64,
      layout: 'medbank',
      resize: 'stretch',
      seed: 0,
      ratios: '70,10,20',
      keepEmpty: 0,
      grey: false,
      workers: 2,
    });
  const fromFetch = await build(raw, path.join(dir, 'out-fetch'));
  const fromFixtures = await build(fixtureRaw, path.join(dir, 'out-fixtures'));
  assert.ok(fromFetch.record.counts.samples > 0);
  const skipRecord = (rel: string) => rel === 'medbank.json';
  assert.deepEqual(await treeHashes(path.join(dir, 'out-fetch'), skipRecord), await treeHashes(path.join(dir, 'out-fixtures'), skipRecord));
  const recorded = fromFetch.record.sources.map((s) => [s.id, s.raw?.digest]);
  assert.deepEqual(recorded, [
    ['Kvasir-SEG', lock.sources['Kvasir-SEG'].unpacked.digest],
    ['MSD_Lung', lock.sources.MSD_Lung.unpacked.digest],
  ]);
  assert.equal(fromFixtures.record.sources[0].raw, undefined, 'no lock, no raw digest');
});

/** A mirror serving kvasir-seg.zip packed from the fixture (undefined without Python). */
async function kvasirMirror(t: TestContext): Promise<{ zip: string; server: Loopback; raw: string } | undefined> {
  const dir = await tempDir(t);
  const fixtureRaw = path.join(dir, 'fixture-raw');
  await (await fixtureFor('Kvasir-SEG')).generate(fixtureRaw);
  const mirror = path.join(dir, 'mirror');
  await mkdir(path.join(mirror, 'Kvasir-SEG'), { recursive: true });
  const zip = path.join(mirror, 'Kvasir-SEG', 'kvasir-seg.zip');
  if (!packFolder(t, 'zip', path.join(fixtureRaw, 'Kvasir-SEG', 'Kvasir-SEG'), zip)) return undefined;
  return { zip, server: await mirrorOf(t, mirror), raw: path.join(dir, 'raw') };
}

test('a checksum mismatch names the archive, expected and actual hash; nothing is unpacked or kept under its name', async (t) => {
  const mirror = await kvasirMirror(t);
  if (!mirror) return;
  const { zip, server, raw } = mirror;
  // The real catalog entry: the test zip cannot match torch-em's published sha256.
  const result = await fetchSources({ raw, sources: [await adapter('Kvasir-SEG')], explicit: true, jobs: 1, mirror: server.url, env: {} });
  const [o] = result.outcomes;
  assert.equal(o.status, 'failed');
  assert.equal(o.error?.url, `${server.url}/Kvasir-SEG/kvasir-seg.zip`);
  const actual = (await fileHashes(zip)).sha256;
  assert.equal(
    o.error?.reason,
    `kvasir-seg.zip: sha256 mismatch: expected 03b30e21d584e04facf49397a2576738fd626815771afbbf788f74a7153478f7 (torch-em kvasir.py), got ${actual} (moved aside as kvasir-seg.zip.rejected)`,
  );
  assert.equal(await stat(path.join(raw, 'Kvasir-SEG')).catch(() => undefined), undefined, 'nothing unpacked');
  const downloads = path.join(raw, '.downloads', 'Kvasir-SEG');
  assert.equal(await stat(path.join(downloads, 'kvasir-seg.zip')).catch(() => undefined), undefined, 'not under the final name');
  assert.equal((await fileHashes(path.join(downloads, 'kvasir-seg.zip.rejected'))).sha256, actual);
  assert.equal(await readLock(raw), undefined, 'no lock entry for a failed source');
});

test('a body shorter than the catalog size is refused by size before any hash or unpacking', async (t) => {
  const mirror = await kvasirMirror(t);
  if (!mirror) return;
  const { zip, server, raw } = mirror;
  const real = await adapter('Kvasir-SEG');
  const [archive] = real.fetch.routes[0].archives;
  const sized = { ...real, fetch: { ...real.fetch, routes: [{ archives: [{ ...archive, size: 99_999_999 }] }] } };
  const [o] = (await fetchSources({ raw, sources: [sized], explicit: true, jobs: 1, mirror: server.url, env: {} })).outcomes;
  const bytes = (await stat(zip)).size;
  assert.equal(o.error?.reason, `kvasir-seg.zip: ${bytes} bytes, the catalog says 99999999 (moved aside as kvasir-seg.zip.rejected)`);
  assert.equal(await stat(path.join(raw, 'Kvasir-SEG')).catch(() => undefined), undefined);
});
