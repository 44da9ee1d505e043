// The fault suite: every damaged raw input of src/fixtures/faults.ts in one build, each named with
// its reason, only its own samples lost, nothing read outside --raw, the build's peak RSS bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BuildRecord } from '../src/contract/build-record.js';
import { readManifest } from '../src/dataset/open.js';
import { FAULT_MAX_VOLUME_MIB, FAULT_SOURCES, writeFaults } from '../src/fixtures/faults.js';
import { CLI } from './helpers.js';
import { fixtureRaw, leftoverTemps } from './tree.js';

/** Peak RSS of the whole build process (every thread), printed by a preload as the process exits. */
const RSS_PROBE = `data:text/javascript,process.on('exit',()=>process.stderr.write('FAULT_MAXRSS_KB '+process.resourceUsage().maxRSS+'\\n'))`;
/** A build of the pristine fixtures peaks under 100 MiB here; the bombs (1 GiB inflated, 10^10 pixels) would take GiBs. */
const RSS_BOUND_MIB = 400;

test('fault suite: 51 damaged raw inputs across every reader in one build: each named, only its own samples lost, RSS bounded', async (t) => {
  const { raw, dir, expected } = await fixtureRaw(t, FAULT_SOURCES);
  const faults = await writeFaults(raw, path.join(dir, 'outside'));
  assert.ok(faults.length >= 40, `${faults.length} faults`);
  const out = path.join(dir, 'out');
  const args = ['--import', RSS_PROBE, CLI, 'build', '--raw', raw, '--out', out, '--size', '32', '--workers', '2'];
  const run = await promisify(execFile)(process.execPath, [...args, '--max-volume-mib', String(FAULT_MAX_VOLUME_MIB), '--quiet'], {
    maxBuffer: 64 << 20,
  }).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  const rssMiB = Number(/FAULT_MAXRSS_KB (\d+)/.exec(run.stderr)?.[1]) / 1024;
  assert.equal(run.code, 2, run.stderr);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');

  const record = JSON.parse(await readFile(path.join(out, 'medbank.json'), 'utf8')) as BuildRecord;
  const rows = await readManifest(out);
  const table: string[][] = [];
  for (const f of faults) {
    const named = record.problems.filter((p) => p.file === f.file);
    const fromIt = rows.filter((r) => r.raw.includes(f.file));
    if ('problem' in f.expect) {
      assert.equal(named.length, 1, `${f.file} (${f.damage}): expected one problem, got ${JSON.stringify(named)}`);
      assert.match(named[0].reason, f.expect.problem, `${f.file} (${f.damage})`);
      assert.ok(run.stderr.includes(`problem: ${f.file}: ${named[0].reason}`), `stderr names ${f.file}`);
      assert.equal(fromIt.length, 0, `${f.file}: no sample from a refused input`);
    } else assert.deepEqual(named, [], `${f.file} (${f.damage}) is not a problem`);
    table.push([f.reader, f.file, f.damage, 'problem' in f.expect ? `exit 2: ${named[0].reason}` : f.expect.ignored, String(f.lost)]);
  }
  // Only the damaged inputs' own samples are lost: every pristine task keeps its count; the two
  // inputs that are not damage (an odd name, a VOC file naming /etc/passwd) add their sample.
  const added: Record<string, number> = { BreastTumor_UT_0: 1, Leaf_PH_12: 1 };
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.task] = (counts[r.task] ?? 0) + 1;
  for (const [task, n] of Object.entries(expected)) assert.equal(counts[task] ?? 0, n + (added[task] ?? 0), `${task}: samples kept`);
  assert.ok(!rows.some((r) => r.raw.some((f) => /passwd|secret|outside/.test(f))), 'nothing from outside --raw');
  assert.ok(
    rows.some((r) => r.name.startsWith('busi_benign_913_')),
    'the odd name is converted under a sanitized name',
  );
  assert.deepEqual(await leftoverTemps(out), []);

  t.diagnostic(
    `fault suite: ${faults.length} damaged inputs, one build, exit ${run.code}, peak RSS ${rssMiB.toFixed(0)} MiB (bound ${RSS_BOUND_MIB})`,
  );
  for (const row of table) t.diagnostic(row.join(' | '));
  assert.ok(rssMiB > 0 && rssMiB < RSS_BOUND_MIB, `peak RSS ${rssMiB.toFixed(0)} MiB`);
});
