/**
 * What an archive's bytes must hash to, and the check: the catalog's published checksums, the
 * user's `--expect` file (sha256sum format), and the hash the lock pinned on a first download.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FetchArchive } from '../catalog/types.js';
import { UsageError } from '../errors.js';
import type { LockedSource } from './lock.js';

export interface Expectation {
  algorithm: 'sha256' | 'md5';
  value: string;
  /** Where the value comes from, for messages and the lock. */
  by: string;
}

/** `sha256sum` output: `<64 hex>  <name>` or `<64 hex> *<name>`; names are matched by base name too. */
export async function readExpectFile(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--expect ${file}: ${(e as Error).message}`);
  }
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (!m) throw new UsageError(`--expect ${file}, line ${i + 1}: expected "<sha256>  <file name>" (sha256sum format)`);
    const hash = m[1].toLowerCase();
    out.set(m[2], hash);
    out.set(path.posix.basename(m[2].replace(/\\/g, '/')), hash);
  });
  return out;
}

export function expectationsFor(
  archive: FetchArchive,
  source: string,
  expect: Map<string, string> | undefined,
  locked: LockedSource | undefined,
): Expectation[] {
  const out: Expectation[] = archive.checksums.map((c) => ({ algorithm: c.algorithm, value: c.value.toLowerCase(), by: c.origin }));
  const fromExpect = expect?.get(`${source}/${archive.name}`) ?? expect?.get(archive.name);
  if (fromExpect) out.push({ algorithm: 'sha256', value: fromExpect, by: '--expect' });
  const pinned = locked?.archives.find((a) => a.name === archive.name);
  if (pinned && !archive.rebuiltPerDownload && !out.some((e) => e.algorithm === 'sha256'))
    out.push({ algorithm: 'sha256', value: pinned.sha256, by: `${pinned.pinnedBy} (raw lock)` });
  return out;
}

/** The first expectation the hashes fail, as a message naming the archive, expected and actual values. */
export function checksumMismatch(
  archive: string,
  actual: { sha256: string; md5?: string },
  expectations: Expectation[],
): string | undefined {
  for (const e of expectations) {
    const got = e.algorithm === 'sha256' ? actual.sha256 : actual.md5;
    if (got !== e.value) return `${archive}: ${e.algorithm} mismatch: expected ${e.value} (${e.by}), got ${got ?? 'nothing'}`;
  }
  return undefined;
}

/** What the lock records as the origin of the archive's expected sha256. */
export function pinnedBy(expectations: Expectation[]): string {
  return expectations.find((e) => e.algorithm === 'sha256')?.by.replace(/ \(raw lock\)$/, '') ?? 'first download';
}
