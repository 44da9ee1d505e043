/**
 * `medbank demo`: writes small raw trees in every source's native layout (the fixture
 * generators the tests use), builds them, validates the tree (`medbank validate`), checks the
 * sample counts the generators promise, and prints what it holds.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { fixtures } from '../../fixtures/registry.js';
import { build } from '../../pipeline/build.js';
import { summaryTable } from './build.js';
import { progressMode, progressPrinter } from '../progress.js';
import { formatFinding, formatValidateReport } from './validate.js';
import { intOption } from '../options.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('build a small MedBank from generated raw samples of every source, check it and print a summary')
    .option('--out <dir>', 'folder for the generated raw data (raw/) and the built tree (medbank/)', 'demo-out')
    .option('--size <n>', 'output width and height', intOption('--size', 16, 8192), 1024)
    .option('--workers <n>', 'worker threads (default: number of cores)', intOption('--workers', 1, 256))
    .action(async (o: { out: string; size: number; workers?: number }) => {
      const rawRoot = path.resolve(o.out, 'raw');
      const treeDir = path.resolve(o.out, 'medbank');
      const expected: Record<string, number> = {};
      await rm(rawRoot, { recursive: true, force: true });
      const generators = await fixtures();
      for (const f of generators) Object.assign(expected, await f.generate(rawRoot));
      process.stderr.write(`generated raw samples of ${generators.length} sources in ${rawRoot}\n`);
      const started = Date.now();
      const progress = progressPrinter(progressMode(process.stderr, false));
      const { record } = await build({
        raw: rawRoot,
        out: treeDir,
        size: o.size,
        workers: o.workers,
        force: true,
        onProgress: progress.onProgress,
      }).finally(() => progress.end());
      if (!record) throw new Error('the demo build produced no record');
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(
        `${summaryTable(record)}\n\nbuilt ${record.counts.samples} samples in ${seconds.toFixed(1)} s into ${treeDir}\n`,
      );
      const miscounted = Object.entries(expected).filter(([task, n]) => record.tasks.find((t) => t.id === task)?.counts.total !== n);
      for (const [task, n] of miscounted)
        process.stderr.write(
          `count check failed: ${task} should have ${n} samples (fixture structures are sized for --size 128 or more; smaller outputs lose the tiniest ones)\n`,
        );
      const { validateTree } = await import('../../dataset/validate.js');
      const report = await validateTree(treeDir, { deep: true, workers: o.workers });
      process.stdout.write(`\nmedbank validate --deep ${treeDir}\n`);
      for (const f of report.findings) process.stdout.write(`${formatFinding(f)}\n`);
      process.stdout.write(`${formatValidateReport(report)}\n`);
      if (miscounted.length || report.findings.length) process.exitCode = 2;
    });
}
