/**
 * The catalog: every module in `sources/` default-exports one adapter, so adding a source means
 * adding one file there. Loaded once, sorted by catalog order, checked for consistent task ids.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { SourceAdapter, TaskSpec } from './types.js';
import { UsageError } from '../errors.js';

let loaded: Promise<SourceAdapter[]> | undefined;

async function loadAll(): Promise<SourceAdapter[]> {
  const dir = fileURLToPath(new URL('./sources/', import.meta.url));
  const files = (await readdir(dir)).filter((f) => f.endsWith('.js')).sort();
  const adapters: SourceAdapter[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default?: SourceAdapter };
    if (!mod.default) throw new Error(`catalog/sources/${f} has no default export`);
    adapters.push(mod.default);
  }
  adapters.sort((a, b) => a.order - b.order);
  checkCatalog(adapters);
  for (const a of adapters) pairMirrors(a);
  return adapters;
}

/**
 * Sets `mirror` on every task that declares a side: the task of the same source and modality with
 * the other side and the same name after its Right/Left prefix (RightKidney_CT_20 ->
 * LeftKidney_CT_21). A side without its pair, or one its name contradicts, is a catalog error.
 */
export function pairMirrors(source: SourceAdapter): void {
  const prefix = { 'patient-right': 'Right', 'patient-left': 'Left' } as const;
  const modality = (t: TaskSpec) => t.modality ?? source.modalityCode;
  for (const task of source.tasks) {
    if (!task.side) continue;
    const own = prefix[task.side];
    const other = task.side === 'patient-right' ? 'patient-left' : 'patient-right';
    const base = /^([A-Za-z]+)_/.exec(task.id)![1];
    if (!base.startsWith(own))
      throw new Error(`task ${task.id} of ${source.id}: side ${task.side} but its name does not start with ${own}`);
    const pairName = prefix[other] + base.slice(own.length);
    const pair = source.tasks.find((t) => t.side === other && modality(t) === modality(task) && t.id.startsWith(`${pairName}_`));
    if (!pair) throw new Error(`task ${task.id} of ${source.id}: no ${other} task ${pairName}_${modality(task)} to mirror it`);
    task.mirror = pair.id;
  }
}

/** Task ids end in a global index that counts up through the catalog (DESIGN.md §4). */
function checkCatalog(adapters: SourceAdapter[]): void {
  let next = 0;
  adapters.forEach((a, i) => {
    if (a.order !== i) throw new Error(`catalog order gap: ${a.id} has order ${a.order}, expected ${i}`);
    for (const t of a.tasks) {
      const m = /^([A-Za-z]+)_([A-Z]{2})_(\d+)$/.exec(t.id);
      if (!m || Number(m[3]) !== next) throw new Error(`task id ${t.id} of ${a.id}: expected index ${next}`);
      if (m[2] !== (t.modality ?? a.modalityCode)) throw new Error(`task id ${t.id} of ${a.id}: modality code mismatch`);
      next++;
    }
  });
}

export function catalog(): Promise<SourceAdapter[]> {
  loaded ??= loadAll();
  return loaded;
}

/** Resolves command-line source ids (case-insensitive); unknown ids are a usage error. */
export async function selectSources(ids: string[] | undefined): Promise<SourceAdapter[]> {
  const all = await catalog();
  if (!ids || ids.length === 0) return all;
  const byId = new Map(all.map((a) => [a.id.toLowerCase(), a]));
  const picked = new Set<SourceAdapter>();
  for (const id of ids) {
    const a = byId.get(id.trim().toLowerCase());
    if (!a) throw new UsageError(`unknown source "${id}"; known: ${all.map((s) => s.id).join(', ')}`);
    picked.add(a);
  }
  return all.filter((a) => picked.has(a));
}

export async function findTask(taskId: string): Promise<{ source: SourceAdapter; task: TaskSpec } | undefined> {
  for (const source of await catalog()) {
    const task = source.tasks.find((t) => t.id === taskId);
    if (task) return { source, task };
  }
  return undefined;
}
