/**
 * `npm run bench`: runs every suite in bench/suites/ (or those named with --only) and writes
 * bench/out/results.json. Options: --pairs N (2D corpora, default 200), --repeat N (runs of each
 * 2D pipeline, best counts; default 1), --memory 1000,10000, --only 2d,disk,encoders,memory,
 * validate,volume. Corpora are cached in bench/out/cache/.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { toolVersions } from '../src/version.js';
import { REPO } from './measure.js';
import type { BenchContext, Suite, SuiteResult } from './suite.js';

function options() {
  try {
    return parseArgs({
      options: {
        pairs: { type: 'string', default: '200' },
        repeat: { type: 'string', default: '1' },
        memory: { type: 'string', default: '1000,10000' },
        only: { type: 'string' },
        out: { type: 'string', default: path.join(REPO, 'bench', 'out') },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message} (--help lists the options)\n`);
    process.exit(1);
  }
}
const values = options();
if (values.help) {
  process.stdout.write(
    'npm run bench -- [--only 2d,disk,encoders,faults,fsync,memory,validate,volume] [--pairs 200] [--repeat 1] [--memory 1000,10000] [--out bench/out]\n',
  );
  process.exit(0);
}

const outDir = path.resolve(values.out);
const ctx: BenchContext = {
  work: path.join(outDir, 'work'),
  cache: path.join(outDir, 'cache'),
  pairs: Number(values.pairs),
  repeat: Math.max(1, Number(values.repeat)),
  memorySamples: values.memory.split(',').map(Number),
  log: (line) => process.stderr.write(`  ${line}\n`),
};
await mkdir(ctx.work, { recursive: true });
await mkdir(ctx.cache, { recursive: true });

const suiteDir = fileURLToPath(new URL('./suites/', import.meta.url));
const only = values.only?.split(',');
const suites: Suite[] = [];
for (const file of (await readdir(suiteDir)).filter((f) => f.endsWith('.js')).sort())
  suites.push(((await import(pathToFileURL(path.join(suiteDir, file)).href)) as { default: Suite }).default);
const unknown = only?.filter((name) => !suites.some((s) => s.name === name)) ?? [];
if (unknown.length) {
  process.stderr.write(`bench: no suite named ${unknown.join(', ')} (there are ${suites.map((s) => s.name).join(', ')})\n`);
  process.exit(1);
}
const results: Record<string, SuiteResult> = {};
for (const suite of suites) {
  if (only && !only.includes(suite.name)) continue;
  process.stderr.write(`\n== ${suite.name}\n`);
  const result = await suite.run(ctx);
  results[suite.name] = result;
  process.stdout.write('skipped' in result ? `${suite.name}: skipped: ${result.skipped}\n` : `\n${suite.name}\n${result.table}\n`);
}
const report = {
  machine: {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  tool: await toolVersions(),
  options: { pairs: ctx.pairs, repeat: ctx.repeat, memorySamples: ctx.memorySamples },
  results: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, 'skipped' in r ? r : r.figures])),
};
await writeFile(path.join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`\nwrote ${path.join(outDir, 'results.json')}\n`);
