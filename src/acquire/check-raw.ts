/**
 * `medbank fetch --verify`: rehashes a raw folder against its lock, the kept archives by sha256 and
 * every unpacked file through the tree digest, and says per source what matches.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileSha256, readLock, treeDigest } from './lock.js';
import { downloadsDir } from './plan.js';
import { UsageError } from '../errors.js';

export interface SourceCheck {
  source: string;
  ok: boolean;
  /** What was compared, and every difference. */
  findings: string[];
}

export async function checkRaw(rawDir: string, sources?: string[]): Promise<SourceCheck[]> {
  const raw = path.resolve(rawDir);
  const lock = await readLock(raw);
  if (!lock) throw new UsageError(`${raw} has no medbank-raw.lock.json: nothing to verify (run "medbank fetch" first)`);
  const wanted = sources?.map((s) => s.toLowerCase());
  const out: SourceCheck[] = [];
  for (const [source, locked] of Object.entries(lock.sources)) {
    if (wanted && !wanted.includes(source.toLowerCase())) continue;
    const findings: string[] = [];
    let ok = true;
    for (const a of locked.archives) {
      const file = path.join(downloadsDir(raw, source), a.name);
      if (!(await stat(file).catch(() => undefined))) {
        findings.push(`${a.name}: not kept in .downloads/, not rechecked`);
        continue;
      }
      const actual = await fileSha256(file);
      if (actual === a.sha256) findings.push(`${a.name}: sha256 matches`);
      else {
        ok = false;
        findings.push(`${a.name}: sha256 mismatch: the lock says ${a.sha256}, the file has ${actual}`);
      }
    }
    const dir = path.join(raw, source);
    if (!(await stat(dir).catch(() => undefined))) {
      ok = false;
      findings.push(`${dir} is missing`);
    } else {
      const digest = await treeDigest(dir);
      if (digest.digest === locked.unpacked.digest) findings.push(`unpacked files match (${digest.files} files, ${digest.bytes} bytes)`);
      else {
        ok = false;
        findings.push(
          `unpacked files differ: the lock has ${locked.unpacked.files} files, ${locked.unpacked.bytes} bytes, ${locked.unpacked.digest}; found ${digest.files} files, ${digest.bytes} bytes, ${digest.digest}`,
        );
      }
    }
    out.push({ source, ok, findings });
  }
  return out;
}
