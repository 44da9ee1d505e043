/**
 * What fsync costs a build: `medbank build` of the 2D corpus with the default (records fsynced,
 * PNGs and job records not: a resume checks their hashes) and with MEDBANK_FSYNC=all (every
 * file). Runs alternate, twice each, and the faster of each pair counts, so that a load change on
 * a shared machine hits both modes alike. Then the cost per file alone: the build's PNGs written
 * again, one at a time, by writeAtomic without and with fsync.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { textTable } from '../../src/cli/format.js';
import { writeAtomic } from '../../src/io/files/atomic.js';
import { cachedCorpus } from '../cache.js';
import { checked, CLI, timed } from '../measure.js';
import type { Suite } from '../suite.js';

const MODES = [
  { name: 'records only (default)', env: {} },
  { name: 'every file (MEDBANK_FSYNC=all)', env: { MEDBANK_FSYNC: 'all' } },
];

const suite: Suite = {
  name: 'fsync',
  async run(ctx) {
    const corpus = await cachedCorpus(ctx.cache, `corpus-${ctx.pairs}`, ctx.pairs);
    const out = path.join(ctx.work, 'fsync-build');
    const seconds: number[][] = MODES.map(() => []);
    for (let round = 0; round < 2; round++) {
      for (const [i, mode] of MODES.entries()) {
        await rm(out, { recursive: true, force: true });
        ctx.log(`build, fsync ${mode.name}, round ${round + 1}`);
        const run = await checked(
          mode.name,
          timed(process.execPath, [CLI, 'build', '--raw', corpus.raw, '--out', out, '--quiet', '--keep-empty', '1'], mode.env),
        );
        seconds[i].push(run.seconds);
      }
    }
    const perFile = await writeCost(out, path.join(ctx.work, 'fsync-writes'));
    const best = seconds.map((s) => Math.min(...s));
    const rows = MODES.map((m, i) => ({
      mode: m.name,
      seconds: best[i],
      msPerPair: (best[i] * 1000) / corpus.pairs,
      vsDefault: best[i] / best[0],
    }));
    const table = textTable(
      ['fsync', 'best wall s', 'ms per pair', 'vs default'],
      rows.map((r) => [r.mode, r.seconds.toFixed(2), r.msPerPair.toFixed(1), `${r.vsDefault.toFixed(3)}x`]),
    );
    const notes = [
      `${corpus.pairs} pairs, 1024x1024, build from scratch; runs: ${seconds.map((s) => s.map((x) => x.toFixed(2)).join('/')).join(' vs ')} s`,
      `writing the ${perFile.files} PNGs alone (${perFile.mib.toFixed(0)} MiB), one at a time: ${perFile.plainMs.toFixed(2)} ms per file without fsync, ${perFile.syncMs.toFixed(2)} ms with`,
    ];
    return {
      figures: { pairs: corpus.pairs, rows, runs: seconds, perFile },
      table: `${table}\n${notes.map((n) => `- ${n}`).join('\n')}`,
    };
  },
};

/** Milliseconds per PNG of `tree` written by writeAtomic, as outputs are (no fsync) and durably. */
async function writeCost(tree: string, scratch: string): Promise<{ files: number; mib: number; plainMs: number; syncMs: number }> {
  const pngs: Buffer[] = [];
  for (const task of await readdir(tree, { withFileTypes: true })) {
    if (!task.isDirectory() || task.name.startsWith('.')) continue;
    for (const kind of ['images', 'masks']) {
      const dir = path.join(tree, task.name, kind);
      for (const f of await readdir(dir).catch(() => [] as string[])) pngs.push(await readFile(path.join(dir, f)));
    }
  }
  const pass = async (verified: boolean) => {
    await rm(scratch, { recursive: true, force: true });
    const started = performance.now();
    for (const [i, png] of pngs.entries()) await writeAtomic(path.join(scratch, `${i}.png`), png, { verified });
    return (performance.now() - started) / pngs.length;
  };
  const plainMs = Math.min(await pass(true), await pass(true));
  const syncMs = Math.min(await pass(false), await pass(false));
  await rm(scratch, { recursive: true, force: true });
  return { files: pngs.length, mib: pngs.reduce((a, b) => a + b.length, 0) / 2 ** 20, plainMs, syncMs };
}

export default suite;
