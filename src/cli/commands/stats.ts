/** `medbank stats`: per-task and total counts as a table or JSON, and the HTML report with montages. */
import type { Command } from 'commander';
import type { Histogram, TreeStats } from '../../dataset/stats.js';
import { DEFAULT_MONTAGE } from '../../dataset/montage.js';
import { textTable } from '../format.js';
import { intOption } from '../options.js';

/** The bin holding the median value, as "lo-hi"; "-" for an empty histogram. */
export function medianBin(h: Histogram): string {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (!total) return '-';
  let seen = 0;
  const i = h.counts.findIndex((c) => (seen += c) >= total / 2);
  return `${h.edges[i]}-${h.edges[i + 1]}`;
}

export function statsText(stats: TreeStats): string {
  const rows = stats.tasks.map((t) => [
    t.task,
    t.source ?? '-',
    t.modality ?? '-',
    t.splits.train,
    t.splits.val,
    t.splits.test,
    t.total,
    t.emptyMasks,
    medianBin(t.foregroundFraction),
    medianBin(t.bboxSize),
    t.originalSizes
      .slice(0, 2)
      .map((s) => `${s.width}x${s.height} (${s.count})`)
      .join(', ') + (t.originalSizes.length > 2 ? ', …' : ''),
  ]);
  const head = ['task', 'source', 'modality', 'train', 'val', 'test', 'total', 'empty', 'fg fraction', 'bbox side', 'original sizes'];
  const totals = (title: string, record: Record<string, number>) =>
    textTable(
      [title, 'samples'],
      Object.entries(record).sort((a, b) => b[1] - a[1]),
    );
  return [
    textTable(head, rows),
    '',
    totals('modality', stats.totals.byModality),
    '',
    totals('anatomy', stats.totals.byAnatomy),
    '',
    totals('license', stats.totals.byLicense),
    '',
    `${stats.samples} samples in ${stats.tasks.length} task(s); fg fraction and bbox side are the median bins`,
  ].join('\n');
}

export function registerStats(program: Command): void {
  program
    .command('stats')
    .description('what a tree holds: samples per split, sizes, foreground and box distributions, totals; writes report/index.html')
    .argument('<tree>', 'tree folder')
    .option('--json', 'print the statistics as JSON', false)
    .option('--no-report', 'do not write report/index.html and the montages')
    .option('--montage <n>', 'samples per task montage', intOption('--montage', 1, 400), DEFAULT_MONTAGE.count)
    .option('--seed <text>', 'seed of the montage sample choice', DEFAULT_MONTAGE.seed)
    .option('--workers <n>', 'worker threads (default: number of cores)', intOption('--workers', 1, 256))
    .action(async (tree: string, o: { json: boolean; report: boolean; montage: number; seed: string; workers?: number }) => {
      const { computeStats } = await import('../../dataset/stats.js');
      const stats = await computeStats(tree, { workers: o.workers });
      process.stdout.write(o.json ? `${JSON.stringify(stats, null, 2)}\n` : `${statsText(stats)}\n`);
      if (o.report) {
        const { writeReport } = await import('../../dataset/report.js');
        const file = await writeReport(stats, { ...DEFAULT_MONTAGE, count: o.montage, seed: o.seed });
        process.stderr.write(`report: ${file}\n`);
      }
    });
}
