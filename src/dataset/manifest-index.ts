/**
 * Random access to manifest.jsonl rows by task and sample name. One streaming pass records the
 * byte range of every line; a row is then read and parsed only when asked for, so a manifest of a
 * million rows costs a map of names, not a million parsed objects.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestRow } from '../contract/manifest.js';
import { InputError } from '../errors.js';

export interface ManifestIndex {
  /** False when the tree has no manifest.jsonl. */
  present: boolean;
  /** The row of `name` in `task`, or undefined. */
  row(task: string, name: string): Promise<ManifestRow | undefined>;
}

const NEWLINE = 0x0a;

export async function indexManifest(root: string): Promise<ManifestIndex> {
  const file = path.join(root, 'manifest.jsonl');
  if (!(await stat(file).catch(() => undefined))?.isFile()) return { present: false, row: async () => undefined };
  const ranges = new Map<string, Map<string, { start: number; length: number }>>();
  let offset = 0;
  let lineNumber = 0;
  let pending: Buffer[] = [];
  let pendingStart = 0;
  const addLine = (line: Buffer, start: number) => {
    lineNumber++;
    const text = line.toString('utf8').trim();
    if (!text) return;
    let row: Pick<ManifestRow, 'task' | 'name'>;
    try {
      row = JSON.parse(text) as ManifestRow;
    } catch {
      throw new InputError(file, `line ${lineNumber} is not valid JSON`);
    }
    if (!ranges.has(row.task)) ranges.set(row.task, new Map());
    ranges.get(row.task)!.set(row.name, { start, length: line.length });
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
      const piece = chunk.subarray(from, nl);
      const line = pending.length ? Buffer.concat([...pending, piece]) : piece;
      addLine(line, pending.length ? pendingStart : offset + from);
      pending = [];
      from = nl + 1;
    }
    if (from < chunk.length) {
      if (!pending.length) pendingStart = offset + from;
      pending.push(chunk.subarray(from));
    }
    offset += chunk.length;
  }
  if (pending.length) addLine(Buffer.concat(pending), pendingStart);

  return {
    present: true,
    async row(task, name) {
      const range = ranges.get(task)?.get(name);
      if (!range) return undefined;
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(range.length);
        await handle.read(buffer, 0, range.length, range.start);
        return JSON.parse(buffer.toString('utf8')) as ManifestRow;
      } finally {
        await handle.close();
      }
    },
  };
}
