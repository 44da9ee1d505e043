// Bad raw files are reported with their path and reason, every other sample is written, exit code 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ellipse, writeImage } from '../src/fixtures/draw.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { CLI, runCli } from './helpers.js';
import { fixtureRaw, leftoverTemps } from './tree.js';
import { readManifest } from '../src/dataset/open.js';

const BUSI = 'BUSI/Dataset_BUSI_with_GT';
const KVASIR = 'Kvasir-SEG/Kvasir-SEG';

async function truncate(file: string): Promise<void> {
  const data = await readFile(file);
  await writeFile(file, data.subarray(0, Math.floor(data.length / 2)));
}

test('corrupt, truncated, missing and mismatched inputs: each reported with path and reason, the rest written, exit 2', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['BUSI'], ['Kvasir-SEG', 'no-lists']]);
  const at = (rel: string) => path.join(raw, rel);
  await writeFile(at(`${BUSI}/benign/benign (1).png`), 'this is not a PNG');
  await truncate(at(`${BUSI}/benign/benign (2).png`));
  await writeImage(at(`${BUSI}/benign/benign (3)_mask.png`), ellipse(50, 40, 25, 20, 10, 8), 50, 40, 1, 'png');
  await rm(at(`${BUSI}/malignant/malignant (1)_mask.png`));
  // A dangling link: the walk reports it, and its mask is then without its image.
  await symlink(path.join(dir, 'gone.png'), at(`${BUSI}/malignant/malignant (9).png`));
  await copyFile(at(`${BUSI}/malignant/malignant (2)_mask.png`), at(`${BUSI}/malignant/malignant (9)_mask.png`));
  await truncate(at(`${KVASIR}/images/cju0qkwl35piu0993l0dewei2.jpg`));
  await truncate(at(`${KVASIR}/masks/cju0qoxqj9q6s0835b43399p4.jpg`));

  const out = path.join(dir, 'out');
  const r = await runCli(['build', '--raw', raw, '--out', out, '--size', '64', '--workers', '2']);
  assert.equal(r.code, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

  const expected: [string, RegExp][] = [
    [`${BUSI}/benign/benign (1).png`, /cannot decode/],
    [`${BUSI}/benign/benign (2).png`, /cannot decode/],
    [`${BUSI}/benign/benign (3)_mask.png`, /mask is 50x40 but its image is \d+x\d+/],
    [`${BUSI}/malignant/malignant (1).png`, /no mask file/],
    [`${BUSI}/malignant/malignant (9).png`, /broken link: its target does not exist; not followed/],
    [`${BUSI}/malignant/malignant (9)_mask.png`, /mask without its image/],
    [`${KVASIR}/images/cju0qkwl35piu0993l0dewei2.jpg`, /cannot decode/],
    [`${KVASIR}/masks/cju0qoxqj9q6s0835b43399p4.jpg`, /cannot decode/],
  ];
  const record = JSON.parse(await readFile(path.join(out, 'medbank.json'), 'utf8')) as BuildRecord;
  assert.deepEqual(record.problems.map((p) => p.file).sort(), expected.map(([f]) => f).sort());
  for (const [file, reason] of expected) {
    const p = record.problems.find((x) => x.file === file)!;
    assert.match(p.reason, reason, `${file}: ${p.reason}`);
    assert.ok(r.stderr.includes(`problem: ${file}: ${p.reason}`), `stderr lacks ${file}: ${p.reason}`);
  }

  const rows = await readManifest(out);
  assert.deepEqual(
    rows.filter((x) => x.source === 'BUSI').map((x) => x.name),
    ['busi_benign_4', 'busi_benign_5', 'busi_malignant_2', 'busi_malignant_3', 'busi_malignant_4'],
  );
  assert.equal(rows.filter((x) => x.source === 'Kvasir-SEG').length, 6);
  assert.deepEqual(await leftoverTemps(out), []);
});

test('truncated TIF (CVC-ClinicDB) and BMP (CVC-ColonDB) images and masks are reported, the other frames written', async (t) => {
  const { raw, dir } = await fixtureRaw(t, [['CVC-ClinicDB'], ['CVC-ColonDB', 'bmp300']]);
  const broken = [
    'CVC-ClinicDB/CVC-ClinicDB/TIF/Original/2.tif',
    'CVC-ClinicDB/CVC-ClinicDB/TIF/Ground Truth/3.tif',
    'CVC-ColonDB/CVC-ColonDB/2.bmp',
    'CVC-ColonDB/CVC-ColonDB/p3.bmp',
  ];
  for (const f of broken) await truncate(path.join(raw, f));
  const out = path.join(dir, 'out');
  const r = await runCli(['build', '--raw', raw, '--out', out, '--size', '64']);
  assert.equal(r.code, 2, r.stderr);
  for (const f of broken) assert.match(r.stderr, new RegExp(`problem: ${f.replace(/\./g, '\\.')}: cannot decode`));
  const rows = await readManifest(out);
  assert.equal(rows.filter((x) => x.source === 'CVC-ClinicDB').length, 10);
  assert.equal(rows.filter((x) => x.source === 'CVC-ColonDB').length, 4);
  assert.deepEqual(await leftoverTemps(out), []);
});

/**
 * As root, chmod 000 does not stop reads: run the CLI as `nobody` (where runuser exists and the
 * checkout is readable by other users, which a private CI folder may not be) so it does.
 */
function unprivileged(): { prefix: string[]; uid: number } | undefined {
  if (process.getuid?.() !== 0) return { prefix: [], uid: -1 };
  const probe = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, CLI, '--version']);
  return probe.status === 0 ? { prefix: ['runuser', '-u', 'nobody', '--'], uid: 65534 } : undefined;
}

test('an unreadable file (chmod 000) is reported as permission denied', async (t) => {
  const user = unprivileged();
  if (!user) {
    t.skip('running as root, and `nobody` cannot run the CLI from this checkout: chmod 000 cannot make a file unreadable here');
    return;
  }
  const { raw, dir } = await fixtureRaw(t, [['CVC-ColonDB']]);
  const file = path.join(raw, 'CVC-ColonDB/CVC-ColonDB/images/3.png');
  const out = path.join(dir, 'out');
  if (user.uid >= 0) {
    await chmod(dir, 0o755);
    await mkdir(out);
    await chown(out, user.uid, user.uid);
  }
  await chmod(file, 0);
  const [cmd, ...args] = [...user.prefix, process.execPath, CLI, 'build', '--raw', raw, '--out', out, '--size', '64'];
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /problem: CVC-ColonDB\/CVC-ColonDB\/images\/3\.png: permission denied/);
  assert.equal((await readManifest(out)).length, 5);
  assert.deepEqual(await leftoverTemps(out), []);
});
