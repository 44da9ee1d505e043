// docs/slurm-array.sh on a real (one-node, loopback) Slurm cluster: the documented script, submitted
// as a 3-task array, converts the shards and queues the merge, and the merged tree is byte for
// byte the tree of an unsharded build. Skips, saying why, where Slurm cannot start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nativeAddon, nativeAddonError } from '../src/io/native-addon.js';
import { CLI, REPO, runCli, tempDir, treeHashes } from './helpers.js';
import { fixtureRaw } from './tree.js';
import { startSlurm } from './slurm-cluster.js';

const SCRIPT = path.join(REPO, 'docs', 'slurm-array.sh');
const notState = (rel: string) => rel === '.medbank';

test('docs/slurm-array.sh on a one-node Slurm cluster: 3 array tasks and the merge give the unsharded tree', async (t) => {
  // The script demands the native PNG encoder on every node; so does the reference build below.
  if (!nativeAddon()) return t.skip(`the native PNG addon is not built (${nativeAddonError()})`);
  const dir = await tempDir(t, 'medbank-slurm-');
  const cluster = await startSlurm(path.join(dir, 'cluster'));
  if (typeof cluster === 'string') return t.skip(cluster);
  t.after(() => cluster.stop());

  const { raw } = await fixtureRaw(t, [['BUSI'], ['ACDC']]);
  const whole = path.join(dir, 'whole');
  const reference = await runCli(['build', '--raw', raw, '--out', whole, '--size', '32', '--quiet'], { MEDBANK_PNG_ENCODER: 'libdeflate' });
  assert.equal(reference.code, 0, reference.stderr);

  // The script runs `npx medbank` in the submit folder: this checkout's CLI is its local package,
  // and builds 32-pixel images (the script leaves the default 1024) to keep the test short.
  const submit = path.join(dir, 'submit');
  const bin = path.join(submit, 'node_modules', '.bin', 'medbank');
  await mkdir(path.dirname(bin), { recursive: true });
  const medbank = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`;
  await writeFile(bin, `#!/bin/sh\nif [ "$1" = build ]; then shift; exec ${medbank} build --size 32 "$@"; fi\nexec ${medbank} "$@"\n`);
  await chmod(bin, 0o755);
  const out = path.join(dir, 'sharded');
  const env = { ...cluster.env, MEDBANK_RAW: raw, MEDBANK_OUT: out, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` };
  // One CPU and a little memory per task, so that all three run at once on a small machine; the
  // merge job keeps the script's own request (the node claims 8 CPUs).
  const submitted = cluster.run('sbatch', ['--parsable', '--array=0-2', '--cpus-per-task=1', '--mem=500M', SCRIPT], submit, env);
  const arrayJob = submitted.trim().split(';')[0];

  const started = Date.now();
  for (;;) {
    await sleep(500);
    const queued = cluster.run('squeue', ['-h', '-o', '%i %j %T'], submit, env).trim();
    const merged = (await readdir(out).catch(() => [] as string[])).includes('medbank.json');
    if (!queued && merged) break;
    if (!queued && Date.now() - started > 10_000) break; // nothing left to run, and no merge came
    if (Date.now() - started > 180_000) break;
  }
  const logs = async () => {
    const files = (await readdir(submit)).filter((f) => f.endsWith('.log')).sort();
    const texts = await Promise.all(files.map(async (f) => `== ${f}\n${await readFile(path.join(submit, f), 'utf8')}`));
    return `${texts.join('\n')}\n${await cluster.logs()}`;
  };
  const jobLogs = (await readdir(submit)).filter((f) => f.endsWith('.log'));
  assert.equal(jobLogs.length, 4, `3 array tasks and 1 merge job should have run:\n${await logs()}`);
  assert.ok(
    jobLogs.every((f) => f.startsWith(`medbank-`)),
    jobLogs.join(', '),
  );
  const shards = await readdir(path.join(out, '.medbank', 'shards')).catch(() => [] as string[]);
  assert.deepEqual(shards.sort(), ['0-of-3.json', '1-of-3.json', '2-of-3.json'], `array job ${arrayJob}:\n${await logs()}`);
  assert.ok((await readdir(out)).includes('medbank.json'), `the merge job did not write medbank.json:\n${await logs()}`);
  const [a, b] = await Promise.all([treeHashes(whole, notState), treeHashes(out, notState)]);
  assert.ok(Object.keys(a).length > 40);
  assert.deepEqual(b, a);
  t.diagnostic(`Slurm array of 3 tasks and the merge job took ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
