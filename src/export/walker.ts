/**
 * The one walk over a built tree every export format shares: the tasks and splits asked for, each
 * sample with its image, mask and (where the tree has one) manifest row, in task, split and split
 * file order. Either layout; the manifest is read once through its index.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SPLITS, type Split } from '../catalog/types.js';
import type { ManifestRow } from '../contract/manifest.js';
import { indexManifest, type ManifestIndex } from '../dataset/manifest-index.js';
import { openMedBank, type MedBank, type MedBankTask } from '../dataset/open.js';
import { UsageError } from '../errors.js';

export interface TreeSample {
  task: MedBankTask;
  /** File stem, e.g. `busi_benign_1`. */
  name: string;
  split: Split;
  imagePath: string;
  maskPath: string;
  row?: ManifestRow;
}

export interface ExportTree {
  bank: MedBank;
  manifest: ManifestIndex;
  tasks: MedBankTask[];
  splits: Split[];
  /** Image file names per task and split, as the split files list them. */
  lists: Map<string, Record<Split, string[]>>;
  /** Samples selected (the walk's length). */
  total: number;
}

/** Opens `root` and selects tasks and splits (all when not given); unknown names are usage errors. */
export async function openExportTree(root: string, select: { tasks?: string[]; splits?: string[] } = {}): Promise<ExportTree> {
  const bank = await openMedBank(root);
  if (!bank.tasks.length) throw new UsageError(`${bank.root} holds no task folders (images/ or image/): not a MedBank tree`);
  const tasks = select.tasks?.length ? select.tasks.map((id) => bank.task(id)) : bank.tasks;
  for (const s of select.splits ?? [])
    if (!(SPLITS as readonly string[]).includes(s)) throw new UsageError(`--splits: unknown split "${s}" (train, val, test)`);
  const splits = select.splits?.length ? SPLITS.filter((s) => select.splits!.includes(s)) : [...SPLITS];
  const lists = new Map<string, Record<Split, string[]>>();
  let total = 0;
  for (const task of tasks) {
    const list = await task.splits();
    lists.set(task.id, list);
    for (const s of splits) total += list[s].length;
  }
  return { bank, manifest: await indexManifest(bank.root), tasks, splits, lists, total };
}

/** Every selected sample; a sample whose image or mask file is missing is still yielded (formats report it). */
export async function* walkTree(tree: ExportTree, only?: { task?: string; split?: Split }): AsyncGenerator<TreeSample> {
  for (const task of tree.tasks) {
    if (only?.task && task.id !== only.task) continue;
    const list = tree.lists.get(task.id)!;
    for (const split of tree.splits) {
      if (only?.split && split !== only.split) continue;
      for (const file of list[split]) {
        const name = file.replace(/\.png$/i, '');
        yield {
          task,
          name,
          split,
          imagePath: path.join(task.dir, task.layout.imageDir, file),
          maskPath: path.join(task.dir, task.layout.maskDir, file),
          row: await tree.manifest.row(task.id, name),
        };
      }
    }
  }
}

/** Throws a usage error naming `what` when the tree has no manifest.jsonl. */
export function requireManifest(tree: ExportTree, what: string): void {
  if (!tree.manifest.present) throw new UsageError(`${what} needs the tree's manifest.jsonl, which ${tree.bank.root} does not have`);
}

/** True when `file` exists as a regular file. */
export async function isFile(file: string): Promise<boolean> {
  return Boolean((await stat(file).catch(() => undefined))?.isFile());
}

/** The catalog index a task id ends with (`Liver_CT_24` -> 24), `fallback` for ids without one: labels are numbered in this order. */
export function catalogIndex(task: MedBankTask, fallback: number): number {
  const m = /_(\d+)$/.exec(task.id);
  return m ? Number(m[1]) : fallback;
}
