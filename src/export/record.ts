/**
 * medbank-export.json: what an export holds and how it was made (format, options, counts per task
 * and split, tool version), pointing at the source tree's medbank.json by path and sha256. Written
 * when an export starts (incomplete) and again when it ends; a rerun resumes only an export made
 * with the same format, options and source record.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Split } from '../catalog/types.js';
import { sha256 } from '../io/files/atomic.js';
import { UsageError } from '../errors.js';
import type { FileCounts } from './output.js';

export const EXPORT_RECORD_FORMAT = 'medbank-export/1';
export const EXPORT_RECORD_FILE = 'medbank-export.json';

export interface ExportSource {
  tree: string;
  /** The tree's build record (absolute path), null when it has none. */
  record: string | null;
  recordSha256: string | null;
  /** medbank version that built the tree, from its record. */
  builtWith: string | null;
  manifest: boolean;
}

export interface ExportRecord {
  format: string;
  tool: { name: string; version: string };
  exportFormat: string;
  complete: boolean;
  source: ExportSource;
  /** The options that decide the content (a rerun with others is refused). */
  options: Record<string, unknown>;
  counts: { total: number; tasks: Record<string, Record<Split, number>> };
  files: FileCounts;
  /** What the format wrote: datasets, shards, lists. */
  output: Record<string, unknown>;
  notes: string[];
  problems: { file: string; reason: string }[];
}

export async function describeSource(root: string, manifest: boolean): Promise<ExportSource> {
  const file = path.join(root, 'medbank.json');
  const bytes = await readFile(file).catch(() => undefined);
  let builtWith: string | null;
  try {
    builtWith = bytes ? ((JSON.parse(bytes.toString('utf8')) as { tool?: { version?: string } }).tool?.version ?? null) : null;
  } catch {
    builtWith = null;
  }
  return { tree: root, record: bytes ? file : null, recordSha256: bytes ? sha256(bytes) : null, builtWith, manifest };
}

/** The record an earlier run left in `out`, or undefined; refuses an export of something else. */
export async function checkResumable(
  out: string,
  wanted: Pick<ExportRecord, 'exportFormat' | 'options' | 'source'>,
): Promise<ExportRecord | undefined> {
  const file = path.join(out, EXPORT_RECORD_FILE);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let earlier: ExportRecord;
  try {
    earlier = JSON.parse(text) as ExportRecord;
  } catch {
    throw new UsageError(`${file} is not valid JSON: remove the folder or choose another --out`);
  }
  const differs: string[] = [];
  if (earlier.exportFormat !== wanted.exportFormat) differs.push(`format ${earlier.exportFormat}`);
  if (JSON.stringify(earlier.options) !== JSON.stringify(wanted.options)) differs.push(`options ${JSON.stringify(earlier.options)}`);
  if (earlier.source?.tree !== wanted.source.tree || earlier.source?.recordSha256 !== wanted.source.recordSha256)
    differs.push(`source ${earlier.source?.tree} (record ${earlier.source?.recordSha256 ?? 'none'})`);
  if (differs.length)
    throw new UsageError(`${out} holds an export made with other settings (${differs.join('; ')}): choose another --out or remove it`);
  return earlier;
}
