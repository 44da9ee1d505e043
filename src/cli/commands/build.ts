/** `medbank build`: options, progress on stderr, Ctrl-C, shards, the summary table, exit code 0, 2 or 130. */
import type { Command } from 'commander';
import { build, type BuildOptions } from '../../pipeline/build.js';
import { parseShard, shardFromEnv } from '../../pipeline/plan/shard.js';
import { UsageError } from '../../errors.js';
import { progressMode, progressPrinter, sourceCountsTable } from '../progress.js';
import { interruptible } from '../interrupt.js';
import type { BuildRecord } from '../../contract/build-record.js';
import { LAYOUTS } from '../../contract/layout.js';
import { LICENSE_USES } from '../../catalog/license-policy.js';
import { textTable } from '../format.js';
import { choiceOption, DEFAULT_MAX_VOLUME_MIB, intOption, keyValueOption, limitOptions, listOption, shareOption } from '../options.js';
import { DEFAULT_MAX_PIXELS } from '../../io/input-limits.js';

export function summaryTable(record: BuildRecord): string {
  const rows = record.tasks.map((t) => [t.id, t.source, t.counts.train, t.counts.val, t.counts.test, t.counts.total]);
  rows.push(['total', '', record.counts.train, record.counts.val, record.counts.test, record.counts.samples]);
  const grouping = record.sources.flatMap((s) => s.grouping.map((g) => `${s.id}: ${g}`));
  return [textTable(['task', 'source', 'train', 'val', 'test', 'total'], rows), ...grouping].join('\n');
}

/** Prints each leak on stderr and sets exit code 2: a tree with a leak must not pass as clean. */
export function reportLeaks(record: BuildRecord): void {
  if (record.leaks.length === 0) return;
  for (const leak of record.leaks) process.stderr.write(`leak: ${leak.reason}: ${leak.samples.join(', ')}\n`);
  process.stderr.write(`${record.leaks.length} leak(s) between splits (listed in medbank.json "leaks")\n`);
  process.exitCode = 2;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('convert raw downloads into a MedBank tree')
    .requiredOption('--raw <dir>', 'folder holding one folder per source (see "medbank sources")')
    .requiredOption('--out <dir>', 'output folder (created; an existing MedBank tree is resumed)')
    .option('--sources <ids>', 'comma-separated source ids (default: every source present)', listOption)
    .option('--size <n>', 'output width and height', intOption('--size', 16, 8192), 1024)
    .option(
      '--layout <name>',
      'medbank (images/, masks/) or samed2 (image/, mask/, ./image/ lines)',
      choiceOption('--layout', LAYOUTS),
      'medbank',
    )
    .option(
      '--resize <mode>',
      'stretch to a square, or pad to keep the aspect ratio',
      choiceOption('--resize', ['stretch', 'pad'] as const),
      'stretch',
    )
    .option('--seed <n>', 'seed of the split assignment', intOption('--seed', 0, 2 ** 31 - 1), 0)
    .option('--ratios <train,val,test>', 'split ratios where no official split exists', '70,10,20')
    .option('--keep-empty <share>', 'share of empty-mask samples to keep (0 to 1)', shareOption('--keep-empty'), 0)
    .option(
      '--min-area <px>',
      'remove each connected mask component (8-connected, per 2D image or slice) under this many pixels, counted at raw resolution, as MedSAM does at 100; a mask left empty counts as empty (default 0: keep all)',
      intOption('--min-area', 0, 2 ** 31 - 1),
      0,
    )
    .option('--grey', 'write images as 8-bit grey instead of RGB', false)
    .option('--no-links', 'write identical files (a slice under several tasks) as copies instead of hard links to one file')
    .option('--keep-3d', 'also write each volume, reoriented to RAS+, and its task labels as NIfTI (<Task>/volumes/)', false)
    .option('--workers <n>', 'worker threads (default: number of cores)', intOption('--workers', 1, 256))
    .option('--source-option <key=value>', 'source-specific option, repeatable', keyValueOption)
    .option(
      '--license <use>',
      'leave out sources whose terms do not allow this use: commercial, noncommercial or any (see "medbank licenses")',
      choiceOption('--license', LICENSE_USES),
      'any',
    )
    .option(
      '--max-pixels <n>',
      'refuse a raw image or mask whose header declares more pixels than this',
      intOption('--max-pixels', 1, Number.MAX_SAFE_INTEGER),
      DEFAULT_MAX_PIXELS,
    )
    .option(
      '--max-volume-mib <n>',
      'refuse a raw volume whose header declares voxels taking more MiB than this; also the MiB all workers may inflate at once',
      intOption('--max-volume-mib', 1, 1024 * 1024),
      DEFAULT_MAX_VOLUME_MIB,
    )
    .option('--force', 'rebuild an existing tree that was built with other options', false)
    .option('--shard <i/n|auto>', 'convert shard i of n (0-based), or "auto" from a Slurm job array; then run "medbank merge"')
    .option(
      '--shards <n>',
      'shard count; the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID',
      intOption('--shards', 1, 100000),
    )
    .option('--quiet', 'print only problems and the summary (no progress)', false)
    .option('--json', 'print the build record as JSON instead of the table', false)
    .action(async (o) => {
      if (o.shard !== undefined && o.shards !== undefined) throw new UsageError('give either --shard or --shards, not both');
      const shard =
        o.shard === 'auto'
          ? shardFromEnv(process.env)
          : o.shard !== undefined
            ? parseShard(o.shard)
            : o.shards !== undefined
              ? shardFromEnv(process.env, o.shards)
              : undefined;
      const progress = progressPrinter(progressMode(process.stderr, o.quiet || o.json));
      const interrupt = interruptible('stopping the workers (press Ctrl-C again to quit at once)');
      const options: BuildOptions = {
        raw: o.raw,
        out: o.out,
        sources: o.sources,
        size: o.size,
        layout: o.layout,
        resize: o.resize,
        seed: o.seed,
        ratios: o.ratios,
        keepEmpty: o.keepEmpty,
        minArea: o.minArea,
        grey: o.grey,
        keep3d: o.keep3d,
        links: o.links,
        workers: o.workers,
        force: o.force,
        sourceOptions: o.sourceOption,
        license: o.license,
        limits: limitOptions(o),
        shard,
        signal: interrupt.signal,
        onProgress: progress.onProgress,
      };
      const result = await build(options).finally(() => {
        progress.end();
        interrupt.dispose();
      });
      if (!o.quiet && !o.json) process.stderr.write(`${sourceCountsTable(result.perSource)}\n`);
      if (result.interrupted) {
        process.stderr.write('build interrupted: finished samples are recorded; rerun the same command to resume\n');
        process.exitCode = 130;
        return;
      }
      if (!result.record) {
        process.stderr.write(
          `shard ${result.shard.index}/${result.shard.count} finished; when every shard has, run: medbank merge ${o.out}\n`,
        );
        return;
      }
      const { record } = result;
      if (o.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      else process.stdout.write(`${summaryTable(record)}\n`);
      if (record.problems.length) {
        process.stderr.write(`${record.problems.length} raw file(s) could not be used (listed above and in medbank.json)\n`);
        process.exitCode = 2;
      }
      reportLeaks(record);
    });
}
