/** Shared by the export tests: one small built tree per layout (BUSI 2D + ACDC volumes), and reading exports back. */
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { fixtureFor } from '../src/fixtures/registry.js';
import type { LayoutName } from '../src/contract/layout.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import type { ManifestRow } from '../src/contract/manifest.js';
import type { ExportRecord } from '../src/export/record.js';
import { readManifest } from '../src/dataset/open.js';
import { buildWhole } from './helpers.js';

export interface BuiltTree {
  out: string;
  record: BuildRecord;
  rows: ManifestRow[];
}

const built = new Map<string, Promise<BuiltTree>>();
let scratch: Promise<string> | undefined;
// Registered at import, on the test file's root: the trees are shared by its tests.
after(async () => {
  if (scratch) await rm(await scratch, { recursive: true, force: true });
});

/** A fresh folder removed when the test file ends. */
export async function scratchDir(name: string): Promise<string> {
  scratch ??= mkdtemp(path.join(os.tmpdir(), 'medbank-export-test-'));
  return mkdtemp(path.join(await scratch, `${name}-`));
}

/** BUSI (2D, 9 samples) and ACDC (3 tasks from one label volume, --keep-3d) at 64 px, built once per test file. */
export function fixtureTree(layout: LayoutName = 'medbank', sources: string[] = ['BUSI', 'ACDC']): Promise<BuiltTree> {
  const key = `${layout}:${sources.join(',')}`;
  if (!built.has(key))
    built.set(
      key,
      (async () => {
        const dir = await scratchDir('tree');
        const raw = path.join(dir, 'raw');
        for (const s of sources) await (await fixtureFor(s)).generate(raw);
        const out = path.join(dir, 'tree');
        const { record } = await buildWhole({ raw, out, size: 64, layout, keep3d: true, workers: 2 });
        return { out, record, rows: await readManifest(out) };
      })(),
    );
  return built.get(key)!;
}

export async function readExportRecord(out: string): Promise<ExportRecord> {
  return JSON.parse(await readFile(path.join(out, 'medbank-export.json'), 'utf8')) as ExportRecord;
}

/** The export's counts per task and split equal the tree's build record. */
export function assertCountsMatch(record: ExportRecord, tree: BuildRecord, tasks?: string[]): void {
  for (const task of tree.tasks) {
    if (tasks && !tasks.includes(task.id)) continue;
    const { train, val, test } = task.counts;
    assert.deepEqual(record.counts.tasks[task.id], { train, val, test }, `${task.id}: exported counts differ from the tree's`);
  }
}

/** No group (patient) of a task's manifest rows in two splits among `placed` (task/name -> split). */
export function assertNoGroupLeak(rows: ManifestRow[], placed: Map<string, string>): void {
  const splitOfGroup = new Map<string, string>();
  let seen = 0;
  for (const row of rows) {
    const split = placed.get(`${row.task}/${row.name}`);
    if (!split) continue;
    seen++;
    const g = `${row.source}/${row.group}`;
    assert.ok(!splitOfGroup.has(g) || splitOfGroup.get(g) === split, `patient ${g} is in ${splitOfGroup.get(g)} and ${split}`);
    splitOfGroup.set(g, split);
  }
  assert.ok(seen > 0, 'no exported sample matched a manifest row');
}

/** Bytes of the regular files below `dir`, each inode counted once; with `besides`, inodes found there are not counted. */
export async function uniqueBytes(dir: string, besides?: Set<number>): Promise<{ bytes: number; inodes: Set<number> }> {
  const inodes = new Set<number>();
  let bytes = 0;
  async function visit(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile()) {
        const st = await lstat(p);
        if (inodes.has(st.ino) || besides?.has(st.ino)) continue;
        inodes.add(st.ino);
        bytes += st.size;
      }
    }
  }
  await visit(dir);
  return { bytes, inodes };
}

/** What an export adds to the disk beyond the tree (hard links to the tree cost nothing), as a share of the tree's bytes. */
export async function addedShare(tree: string, out: string): Promise<number> {
  const t = await uniqueBytes(tree);
  return (await uniqueBytes(out, t.inodes)).bytes / t.bytes;
}
