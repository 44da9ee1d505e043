// A seeded mutation fuzzer for the readers MedBank wrote itself (BMP, NIfTI header and gzip,
// MetaImage, PNG inspection of validate, PlantDoc's VOC and CSV): every mutated input gives a
// result or the reader's clear error, within a time and allocation bound, never a crash. CI runs
// a few hundred inputs per reader; MEDBANK_FUZZ_ITERATIONS and MEDBANK_FUZZ_SECONDS (per reader)
// run more, MEDBANK_FUZZ_SEED others. Findings are written to test-artifacts/fuzz/; each one
// fixed is kept in fuzz/regressions.ts and replayed by the last test here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyMutations } from './fuzz/mutate.js';
import { fuzzTarget, type Finding } from './fuzz/harness.js';
import { finishInput, TARGETS } from './fuzz/targets.js';
import { REGRESSIONS } from './fuzz/regressions.js';
import { REPO } from './helpers.js';

const SEED = Number(process.env.MEDBANK_FUZZ_SEED ?? 16);
const ITERATIONS = Number(process.env.MEDBANK_FUZZ_ITERATIONS ?? 300);
const SECONDS = Number(process.env.MEDBANK_FUZZ_SECONDS ?? 5);
const HANG_MS = 10_000;

async function saveFindings(findings: Finding[]): Promise<string> {
  const dir = path.join(REPO, 'test-artifacts', 'fuzz');
  await mkdir(dir, { recursive: true });
  for (const f of findings) {
    await writeFile(path.join(dir, `${f.target}-${SEED}-${f.iteration}.bin`), f.input);
    await writeFile(
      path.join(dir, `${f.target}-${SEED}-${f.iteration}.json`),
      `${JSON.stringify({ target: f.target, seed: f.seed, mutations: f.mutations, problem: f.problem }, null, 2)}\n`,
    );
  }
  return dir;
}

for (const target of TARGETS) {
  test(`fuzz ${target.name}: mutated inputs give a result or a clear error`, async (t) => {
    const all = await fuzzTarget(target, SEED, ITERATIONS, { hangMs: HANG_MS, seconds: SECONDS });
    const { ran, findings } = all;
    t.diagnostic(`${ran} inputs (seed ${SEED}), ${findings.length} findings`);
    assert.ok(ran >= Math.min(ITERATIONS, 50), `only ${ran} inputs ran`);
    if (findings.length) {
      const dir = await saveFindings(findings);
      const shown = findings.slice(0, 5).map((f) => `#${f.iteration} (${f.seed}, ${JSON.stringify(f.mutations)}): ${f.problem}`);
      assert.fail(`${findings.length} findings (inputs in ${dir}):\n${shown.join('\n')}`);
    }
  });
}

test('fuzz regressions: every input that once crashed a reader now gives its clear error', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'medbank-fuzz-regressions-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const r of REGRESSIONS) {
    const target = TARGETS.find((x) => x.name === r.target)!;
    const seeds = await target.seeds();
    const seed = seeds.find((s) => s.name === r.seed)!;
    const input = finishInput(
      { ...seed, gzip: false, pngCrc: r.pngCrc },
      applyMutations(
        seed.bytes,
        r.mutations,
        seeds.map((s) => s.bytes),
      ),
      () => 0,
    );
    await assert.doesNotReject(target.read(input, dir), r.what);
    await r.check(input, dir);
  }
});
