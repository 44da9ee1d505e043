/**
 * `exportTree`: a built tree into the format a trainer reads. Opens and selects (walker.ts), checks
 * that `--out` is empty or an earlier run of the same export, runs the format, and records what
 * was exported (record.ts). Failed inputs are listed and skipped; everything valid is written.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { SPLITS, type Split } from '../catalog/types.js';
import { InputError, UsageError } from '../errors.js';
import { removeStaleTemps } from '../io/files/atomic.js';
import { VERSION } from '../version.js';
import { ExportOutput } from './output.js';
import { EXPORT_RECORD_FILE, EXPORT_RECORD_FORMAT, checkResumable, describeSource, type ExportRecord } from './record.js';
import {
  EXPORT_FORMATS,
  FORMAT_OPTIONS,
  type ExportContext,
  type ExportFormat,
  type ExportOptions,
  type ResolvedOptions,
} from './types.js';
import { openExportTree, walkTree } from './walker.js';

export interface ExportResult {
  record: ExportRecord;
}

async function loadFormat(name: string): Promise<ExportFormat> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(name))
    throw new UsageError(`unknown export format "${name}" (${EXPORT_FORMATS.join(', ')})`);
  return ((await import(`./${name}.js`)) as { default: ExportFormat }).default;
}

function problemReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return `missing (${err.path ?? 'file'})`;
  return err.message ?? String(e);
}

export async function exportTree(options: ExportOptions): Promise<ExportResult> {
  const format = await loadFormat(options.format);
  const unused = FORMAT_OPTIONS.filter((o) => options[o] !== undefined && options[o] !== false && !format.accepts.includes(o));
  if (unused.length)
    throw new UsageError(
      `--format ${format.name} does not use ${unused.map((o) => `--${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`,
    );
  const tree = await openExportTree(options.tree, { tasks: options.tasks, splits: options.splits });
  const out = path.resolve(options.out);
  const root = tree.bank.root;
  if (out === root || out.startsWith(root + path.sep) || root.startsWith(out + path.sep))
    throw new UsageError(`--out ${out} must lie outside the tree ${root} (and not contain it)`);
  const resolved: ResolvedOptions = {
    format: format.name,
    tasks: tree.tasks.map((t) => t.id),
    splits: tree.splits,
    mode: options.mode ?? 'link',
    instances: options.instances ?? false,
    minArea: options.minArea ?? 1,
    merge: options.merge ?? false,
    slices: options.slices ?? false,
    datasetId: options.datasetId ?? 500,
    shardSize: options.shardSize ?? (format.name === 'hf' ? 500e6 : 1e9),
    seed: options.seed ?? 0,
  };
  // How files are placed does not change what they hold: a copy resumes a linked export.
  const { mode: _mode, ...contentOptions } = resolved;
  const source = await describeSource(root, tree.manifest.present);
  const wanted = { exportFormat: format.name, options: contentOptions, source };
  const earlier = await checkResumable(out, wanted);
  if (!earlier) {
    const entries = await readdir(out).catch(() => [] as string[]);
    if (entries.length) throw new UsageError(`--out ${out} is not empty and holds no ${EXPORT_RECORD_FILE}: choose an empty or new folder`);
  }
  await mkdir(out, { recursive: true });
  await removeStaleTemps(out);

  const notes: string[] = [];
  const problems: { file: string; reason: string }[] = [];
  const counts = Object.fromEntries(tree.tasks.map((t) => [t.id, Object.fromEntries(SPLITS.map((s) => [s, 0])) as Record<Split, number>]));
  const emit = options.onProgress ?? (() => undefined);
  const note = (text: string) => {
    notes.push(text);
    emit({ kind: 'note', text });
  };
  const output = new ExportOutput(out, resolved.mode, note);
  const record = (complete: boolean, written: Record<string, unknown>): ExportRecord => ({
    format: EXPORT_RECORD_FORMAT,
    tool: { name: 'medbank', version: VERSION },
    exportFormat: format.name,
    complete,
    source,
    options: contentOptions,
    counts: { total: Object.values(counts).reduce((n, c) => n + c.train + c.val + c.test, 0), tasks: counts },
    files: output.counts,
    output: written,
    notes,
    problems,
  });
  await output.replace(EXPORT_RECORD_FILE, `${JSON.stringify(record(false, {}), null, 2)}\n`);

  let done = 0;
  const problem = (file: string, reason: string) => {
    problems.push({ file, reason });
    emit({ kind: 'problem', file, reason });
  };
  const ctx: ExportContext = {
    tree,
    out: output,
    options: resolved,
    note,
    problem,
    async settle(samples, work) {
      try {
        await work();
        for (const s of samples) counts[s.task.id][s.split]++;
      } catch (e) {
        if (e instanceof UsageError) throw e;
        problem(e instanceof InputError ? e.file : path.relative(root, samples[0].imagePath), problemReason(e));
      }
      done += samples.length;
      emit({ kind: 'exported', done, total: tree.total });
    },
    async forEach(work, only) {
      for await (const sample of walkTree(tree, only)) await ctx.settle([sample], () => work(sample));
    },
  };
  const written = await format.run(ctx);
  const final = record(true, written);
  await output.replace(EXPORT_RECORD_FILE, `${JSON.stringify(final, null, 2)}\n`);
  return { record: final };
}
