/**
 * `medbank demo`: writes small raw trees in every converted source's native layout (the fixture
 * generators the tests use), builds them, checks the tree and prints what it holds.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { catalog } from '../catalog/registry.js';
import { fixtures } from '../fixtures/registry.js';
import { build } from '../pipeline/build.js';
import { checkTree } from '../dataset/check.js';
import { summaryTable } from './build.js';
import { progressMode, progressPrinter } from './progress.js';
import { intOption } from './options.js';

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
      const converted = new Set((await catalog()).filter((s) => s.scan).map((s) => s.id));
      const expected: Record<string, number> = {};
      await rm(rawRoot, { recursive: true, force: true });
      for (const f of await fixtures()) {
        if (!converted.has(f.source)) continue;
        Object.assign(expected, await f.generate(rawRoot));
      }
      process.stderr.write(`generated raw samples of ${converted.size} sources in ${rawRoot}\n`);
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
      const findings = await checkTree(treeDir, expected);
      process.stdout.write(
        `${summaryTable(record)}\n\nbuilt ${record.counts.samples} samples in ${seconds.toFixed(1)} s into ${treeDir}\n`,
      );
      if (findings.length) {
        for (const f of findings) process.stderr.write(`check failed: ${f}\n`);
        process.exitCode = 2;
      } else {
        process.stdout.write(
          `check passed: every task has its expected samples, every file matches its manifest hash, splits are disjoint and cover every sample\n`,
        );
      }
    });
}
