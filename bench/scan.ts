/**
 * Time and memory of scanning a large source: the walk, the adapter's scan and the accounting of
 * every file. Generates a Kvasir-SEG layout of empty files once (a scan never reads pixels), then
 * scans it a number of times in this process and prints the median, the fastest run and the
 * process's peak RSS.
 *
 *   npm run build && node dist/bench/scan.js [work-dir] [--files 30000] [--runs 7]
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { catalog } from '../src/catalog/registry.js';
import { scanSource } from '../src/catalog/scan-source.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { files: { type: 'string', default: '30000' }, runs: { type: 'string', default: '7' } },
});
const files = Number(values.files);
const runs = Number(values.runs);
const raw = positionals[0] ?? path.join(os.tmpdir(), `medbank-scan-${files}`);

/** Half images, half masks of the same names, in Kvasir-SEG's images/ and masks/ folders. */
async function generate(): Promise<void> {
  const dir = path.join(raw, 'Kvasir-SEG', 'Kvasir-SEG');
  if (await stat(path.join(dir, 'masks')).catch(() => undefined)) return;
  for (const sub of ['images', 'masks']) {
    await mkdir(path.join(dir, sub), { recursive: true });
    for (let i = 0; i < files / 2; i++) await writeFile(path.join(dir, sub, `c${String(i).padStart(7, '0')}.jpg`), '');
  }
}

await generate();
const kvasir = (await catalog()).find((s) => s.id === 'Kvasir-SEG')!;
const times: number[] = [];
let summary = '';
for (let run = 0; run < runs; run++) {
  const start = performance.now();
  const scan = await scanSource(kvasir, { rawRoot: raw, options: {} });
  times.push(performance.now() - start);
  summary = `${scan.jobs.length} jobs, files ${JSON.stringify(scan.files)}`;
}
times.sort((a, b) => a - b);
console.log(summary);
console.log(
  `scan of ${files} files: median ${times[times.length >> 1].toFixed(0)} ms, fastest ${times[0].toFixed(0)} ms over ${runs} runs;` +
    ` peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
