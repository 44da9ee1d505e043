/**
 * The files of a tree as they are, read tolerantly for validation: the build record and manifest
 * with their defects, and per task the image and mask folders and the raw lines of its split files.
 * Task discovery and layouts come from the library API (open.ts).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SPLITS, type Split } from '../catalog/types.js';
import { BUILD_RECORD_FORMAT, type BuildRecord } from '../contract/build-record.js';
import { splitFileName } from '../contract/layout.js';
import type { ManifestRow } from '../contract/manifest.js';
import { manifestLines, openMedBank, type MedBankTask } from './open.js';

export type RecordState = { state: 'ok'; record: BuildRecord } | { state: 'missing' } | { state: 'malformed'; reason: string };

export interface ManifestState {
  present: boolean;
  /** Rows by `<task>/<name>.png`, with their line number. */
  rows: Map<string, { row: ManifestRow; line: number }>;
  /** Lines that are not valid rows. */
  defects: { line: number; reason: string }[];
}

export interface SplitFile {
  split: Split;
  /** Path relative to the tree root. */
  file: string;
  exists: boolean;
  /** Lines without their line ending; a final newline does not make an extra line. */
  lines: string[];
}

export interface TaskFiles {
  task: MedBankTask;
  /** File names in the image and mask folders (dot files excluded). */
  images: string[];
  masks: string[];
  splitFiles: SplitFile[];
}

export interface TreeFiles {
  root: string;
  record: RecordState;
  manifest: ManifestState;
  tasks: TaskFiles[];
}

export function sampleKey(task: string, file: string): string {
  return `${task}/${file}`;
}

function recordDefect(value: unknown): string | undefined {
  const r = value as Partial<BuildRecord> | null;
  if (!r || typeof r !== 'object') return 'not a JSON object';
  if (r.format !== BUILD_RECORD_FORMAT) return `format is ${JSON.stringify(r.format)}, expected "${BUILD_RECORD_FORMAT}"`;
  if (!r.options || typeof r.options.size !== 'number' || typeof r.options.layout !== 'string')
    return 'options.size or options.layout missing';
  if (!Array.isArray(r.tasks) || r.tasks.some((t) => typeof t?.id !== 'string' || typeof t.counts !== 'object'))
    return 'tasks missing or without id and counts';
  if (!Array.isArray(r.sources)) return 'sources missing';
  return undefined;
}

export async function readRecordState(root: string): Promise<RecordState> {
  const text = await readFile(path.join(root, 'medbank.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return { state: 'missing' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { state: 'malformed', reason: `not valid JSON (${(e as Error).message})` };
  }
  const defect = recordDefect(value);
  return defect ? { state: 'malformed', reason: defect } : { state: 'ok', record: value as BuildRecord };
}

function rowDefect(row: Partial<ManifestRow> | null): string | undefined {
  if (!row || typeof row !== 'object') return 'not a JSON object';
  for (const key of ['task', 'name', 'split', 'group'] as const) if (typeof row[key] !== 'string') return `"${key}" missing`;
  if (typeof row.sha256?.image !== 'string' || typeof row.sha256?.mask !== 'string') return '"sha256" missing';
  return undefined;
}

async function readManifestState(root: string): Promise<ManifestState> {
  const state: ManifestState = {
    present: Boolean((await stat(path.join(root, 'manifest.jsonl')).catch(() => undefined))?.isFile()),
    rows: new Map(),
    defects: [],
  };
  for await (const { line, row } of manifestLines(root)) {
    if (!row) {
      state.defects.push({ line, reason: 'not valid JSON' });
      continue;
    }
    const defect = rowDefect(row);
    if (defect) {
      state.defects.push({ line, reason: defect });
      continue;
    }
    const key = sampleKey(row.task, `${row.name}.png`);
    const earlier = state.rows.get(key);
    if (earlier) state.defects.push({ line, reason: `second row for ${key} (first on line ${earlier.line})` });
    else state.rows.set(key, { row, line });
  }
  return state;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return (
    entries
      // Links are listed too: one that loops or dangles is reported by the checks, never skipped in silence.
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort()
  );
}

async function readSplitFile(root: string, task: MedBankTask, split: Split): Promise<SplitFile> {
  const file = path.join(task.id, splitFileName(split));
  const text = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
  if (text === undefined) return { split, file, exists: false, lines: [] };
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (text.endsWith('\n')) lines.pop();
  if (text === '') lines.length = 0;
  return { split, file, exists: true, lines };
}

export async function readTreeFiles(root: string): Promise<TreeFiles> {
  const bank = await openMedBank(root);
  const [record, manifest] = await Promise.all([readRecordState(bank.root), readManifestState(bank.root)]);
  const tasks: TaskFiles[] = [];
  for (const task of bank.tasks) {
    const images = await listFiles(path.join(task.dir, task.layout.imageDir));
    const masks = await listFiles(path.join(task.dir, task.layout.maskDir));
    const splitFiles = await Promise.all(SPLITS.map((s) => readSplitFile(bank.root, task, s)));
    tasks.push({ task, images, masks, splitFiles });
  }
  return { root: bank.root, record, manifest, tasks };
}
