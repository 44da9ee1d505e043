/** `medbank export <tree>`: a built tree into a trainer's format; exit 0, 2 when some inputs failed, 1 on usage errors. */
import type { Command } from 'commander';
import type { Split } from '../../catalog/types.js';
import { UsageError } from '../../errors.js';
import type { PlaceMode } from '../../export/output.js';
import { EXPORT_FORMATS, type ExportFormatName } from '../../export/types.js';
import { textTable } from '../format.js';
import { choiceOption, intOption, listOption } from '../options.js';
import { progressMode, progressPrinter } from '../progress.js';

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** `500MB`, `1GB`, `64MiB` or plain bytes. */
export function sizeOption(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit ? Math.round(Number(m[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1) throw new UsageError(`--shard-size must be a size such as 500MB, 1GB or 65536, got "${value}"`);
  return bytes;
}

interface CliOptions {
  format: ExportFormatName;
  out: string;
  tasks?: string[];
  splits?: string[];
  copy: boolean;
  link: boolean;
  instances: boolean;
  minArea?: number;
  merge: boolean;
  slices: boolean;
  datasetId?: number;
  shardSize?: number;
  seed?: number;
  quiet: boolean;
  json: boolean;
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a built tree (either layout) in the format a trainer reads: ' + EXPORT_FORMATS.join(', '))
    .argument('<tree>', 'tree folder')
    .requiredOption('--format <name>', EXPORT_FORMATS.join(', '), choiceOption('--format', EXPORT_FORMATS))
    .requiredOption('--out <dir>', 'output folder (new or empty; an earlier run of the same export is resumed)')
    .option('--tasks <ids>', 'comma-separated task ids (default: every task)', listOption)
    .option('--splits <names>', 'comma-separated splits (default: train,val,test)', listOption)
    .option('--link', 'hard-link files whose bytes are unchanged (default; copies where the file system refuses)', false)
    .option('--copy', 'copy files instead of hard-linking them', false)
    .option('--instances', 'one mask per 8-connected component (sam-med2d, webdataset, hf)', false)
    .option('--min-area <px>', 'smallest component kept as an instance (default: 1)', intOption('--min-area', 1, 1 << 30))
    .option('--merge', 'nnunet: one multi-label dataset per source whose tasks come from one label volume (needs the manifest)', false)
    .option('--slices', 'nnunet: 2D slices even where the tree holds NIfTI volumes (--keep-3d)', false)
    .option('--dataset-id <n>', 'nnunet: id of the first DatasetNNN (default: 500)', intOption('--dataset-id', 1, 999))
    .option('--shard-size <size>', 'webdataset and hf: bytes per shard (default: 1GB and 500MB)', sizeOption)
    .option('--seed <n>', 'webdataset: seed of the shuffle across shards (default: 0)', intOption('--seed', 0, 2 ** 31 - 1))
    .option('--quiet', 'print only problems and the summary', false)
    .option('--json', 'print the export record as JSON', false)
    .action(async (tree: string, o: CliOptions) => {
      if (o.copy && o.link) throw new UsageError('--link and --copy exclude each other');
      const { exportTree } = await import('../../export/export.js');
      const progress = progressPrinter(progressMode(process.stderr, o.quiet || o.json), process.stderr, Date.now, [
        'exporting',
        'exported',
      ]);
      const mode: PlaceMode = o.copy ? 'copy' : 'link';
      const { record } = await exportTree({
        tree,
        format: o.format,
        out: o.out,
        tasks: o.tasks,
        splits: o.splits as Split[] | undefined,
        mode,
        instances: o.instances,
        minArea: o.minArea,
        merge: o.merge,
        slices: o.slices,
        datasetId: o.datasetId,
        shardSize: o.shardSize,
        seed: o.seed,
        onProgress: (e) => {
          if (e.kind === 'exported') progress.onProgress({ kind: 'converted', done: e.done, total: e.total, resumed: 0 });
          else if (e.kind === 'note') {
            progress.end();
            process.stderr.write(`note: ${e.text}\n`);
          } else progress.onProgress({ kind: 'problem', source: '', file: e.file, reason: e.reason });
        },
      }).finally(() => progress.end());
      if (o.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      else {
        const rows = Object.entries(record.counts.tasks).map(([task, c]) => [task, c.train, c.val, c.test]);
        const f = record.files;
        process.stdout.write(
          `${textTable(['task', 'train', 'val', 'test'], rows)}\n\n` +
            `exported ${record.counts.total} samples as ${record.exportFormat} into ${o.out}: ` +
            `${f.linked} linked, ${f.copied} copied, ${f.written} written, ${f.kept} kept from an earlier run\n`,
        );
      }
      if (record.problems.length) {
        process.stderr.write(`${record.problems.length} input(s) failed (listed in medbank-export.json)\n`);
        process.exitCode = 2;
      }
    });
}
