/** `medbank validate`: findings one per line (or JSON), per-task summary, exit 0 clean / 2 with findings. */
import type { Command } from 'commander';
import { CHECKS } from '../../dataset/check-codes.js';
import type { Finding, ValidateReport } from '../../dataset/validate.js';
import { textTable } from '../format.js';
import { intOption } from '../options.js';

export function formatFinding(f: Finding): string {
  return `${f.code}  ${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ${f.message}`;
}

export function formatValidateReport(report: ValidateReport): string {
  const rows = report.tasks.map((t) => [
    t.task,
    t.layout,
    t.splits.train,
    t.splits.val,
    t.splits.test,
    t.samples,
    `${t.emptyMasks} (${(t.emptyRate * 100).toFixed(1)}%)`,
  ]);
  const lines = [textTable(['task', 'layout', 'train', 'val', 'test', 'samples', 'empty masks'], rows), ''];
  for (const n of report.notes) lines.push(`note: ${n}`);
  const rate = report.seconds > 0 ? ` (${Math.round(report.samples / report.seconds)} samples/s)` : '';
  if (report.findings.length) {
    const codes = new Set(report.findings.map((f) => f.code));
    lines.push(
      `${report.findings.length} finding(s) in ${report.samples} samples, ${report.seconds.toFixed(1)} s${rate}; codes: ${[...codes].join(', ')}`,
    );
  } else lines.push(`clean: ${report.samples} samples passed every check in ${report.seconds.toFixed(1)} s${rate}`);
  return lines.join('\n');
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a tree (either layout, with or without manifest): pairs, formats, mask values, splits, leakage')
    .argument('<tree>', 'tree folder')
    .option('--json', 'print the report as JSON', false)
    .option('--deep', 'also compare every file with the sha256 in its manifest row', false)
    .option('--workers <n>', 'worker threads (default: number of cores)', intOption('--workers', 1, 256))
    .option('--list-checks', 'print every check code and what it means, then exit', false)
    .action(async (tree: string, o: { json: boolean; deep: boolean; workers?: number; listChecks: boolean }) => {
      if (o.listChecks) {
        process.stdout.write(`${textTable(['code', 'fires when'], Object.entries(CHECKS))}\n`);
        return;
      }
      const { validateTree } = await import('../../dataset/validate.js');
      const report = await validateTree(tree, { deep: o.deep, workers: o.workers });
      if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        for (const f of report.findings) process.stdout.write(`${formatFinding(f)}\n`);
        process.stdout.write(`${formatValidateReport(report)}\n`);
      }
      if (report.findings.length) process.exitCode = 2;
    });
}
