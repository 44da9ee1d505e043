/**
 * A quick consistency check of a freshly built tree, used by `medbank demo`: expected sample
 * counts per task, every manifest row's files present with their recorded hashes, split files
 * disjoint and covering every sample, no group in two splits.
 */
import { readFile } from 'node:fs/promises';
import { sha256 } from '../io/atomic.js';
import { openMedBank } from './open.js';

export async function checkTree(root: string, expected: Record<string, number>): Promise<string[]> {
  const findings: string[] = [];
  const bank = await openMedBank(root);
  for (const task of Object.keys(expected)) {
    if (!bank.tasks.some((t) => t.id === task)) findings.push(`${task}: missing`);
  }
  for (const task of bank.tasks) {
    const manifest = await task.manifest();
    if (expected[task.id] !== undefined && manifest.size !== expected[task.id]) {
      findings.push(`${task.id}: ${manifest.size} samples, expected ${expected[task.id]}`);
    }
    const splitOfName = new Map<string, string>();
    const groupSplit = new Map<string, string>();
    for await (const sample of task.samples()) {
      if (splitOfName.has(sample.name))
        findings.push(`${task.id}/${sample.name}: listed in ${splitOfName.get(sample.name)} and ${sample.split}`);
      splitOfName.set(sample.name, sample.split);
      const row = sample.manifest;
      if (!row) {
        findings.push(`${task.id}/${sample.name}: no manifest row`);
        continue;
      }
      if (row.split !== sample.split)
        findings.push(`${task.id}/${sample.name}: manifest says ${row.split}, split file says ${sample.split}`);
      const g = groupSplit.get(row.group);
      if (g && g !== sample.split) findings.push(`${task.id}: group ${row.group} is in ${g} and ${sample.split}`);
      groupSplit.set(row.group, sample.split);
      for (const [file, hash] of [
        [sample.imagePath, row.sha256.image],
        [sample.maskPath, row.sha256.mask],
      ]) {
        const actual = await readFile(file).then(sha256, () => 'missing');
        if (actual !== hash) findings.push(`${file}: ${actual === 'missing' ? 'missing' : 'hash differs from the manifest'}`);
      }
    }
    for (const name of manifest.keys()) if (!splitOfName.has(name)) findings.push(`${task.id}/${name}: in no split file`);
  }
  return findings;
}
