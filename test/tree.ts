/**
 * Helpers for tests of built trees: fixture raw trees, in-process builds, decoding outputs and the
 * contract checks every built tree must pass (DESIGN.md §3, §6, §7).
 */
import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';
import sharp from 'sharp';
import { fixtureFor } from '../src/fixtures/registry.js';
import type { BuildOptions } from '../src/pipeline/build.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import type { ManifestRow } from '../src/contract/manifest.js';
import { layoutByName, type LayoutName } from '../src/contract/layout.js';
import { python, tempDir, buildWhole } from './helpers.js';
import { readManifest } from '../src/dataset/open.js';

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;

/** Writes the fixture of each `[source, variant]` into a fresh raw root and returns it with the expected counts. */
export async function fixtureRaw(
  t: TestContext,
  sources: [string, string?][],
): Promise<{ raw: string; dir: string; expected: Record<string, number> }> {
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  const expected: Record<string, number> = {};
  for (const [source, variant] of sources) Object.assign(expected, await (await fixtureFor(source)).generate(raw, variant));
  return { raw, dir, expected };
}

/** Builds in-process (no progress output) and returns the record and manifest rows. */
export async function buildTree(
  options: Omit<BuildOptions, 'onProgress'>,
): Promise<{ record: BuildRecord; rows: ManifestRow[]; out: string }> {
  const { record } = await buildWhole({ workers: 2, ...options });
  return { record, rows: await readManifest(options.out), out: options.out };
}

export interface Decoded {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Decodes a PNG exactly as stored (no colour conversion). */
export async function decode(file: string): Promise<Decoded> {
  const { channels } = await sharp(file).metadata();
  // sharp expands one-band input to sRGB unless told to keep it grey.
  const img = channels === 1 ? sharp(file).toColourspace('b-w') : sharp(file);
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

export function histogram(data: Uint8Array): Map<number, number> {
  const h = new Map<number, number>();
  for (const v of data) h.set(v, (h.get(v) ?? 0) + 1);
  return h;
}

/** Every field DESIGN.md §7 asks of a manifest row, with its type. */
export function assertRowComplete(row: ManifestRow): void {
  const where = `${row.task}/${row.name}`;
  for (const key of ['task', 'split', 'name', 'image', 'mask', 'source', 'group'] as const)
    assert.ok(typeof row[key] === 'string' && row[key].length > 0, `${where}: ${key} missing`);
  assert.ok(Array.isArray(row.raw) && row.raw.length >= 2, `${where}: raw files missing`);
  for (const r of row.raw) assert.ok(!path.isAbsolute(r) && !r.startsWith('..'), `${where}: raw path ${r} not relative to the raw root`);
  assert.ok('slice' in row, `${where}: slice missing`);
  assert.ok(row.original.width > 0 && row.original.height > 0, `${where}: original size missing`);
  assert.ok('spacing' in row, `${where}: spacing missing`);
  assert.ok(typeof row.intensity?.kind === 'string', `${where}: intensity transform missing`);
  assert.ok(Number.isInteger(row.foreground) && row.foreground > 0, `${where}: foreground missing`);
  assert.ok(Array.isArray(row.bbox) && row.bbox.length === 4, `${where}: bbox missing`);
  assert.match(row.sha256.image, /^[0-9a-f]{64}$/, `${where}: image sha256`);
  assert.match(row.sha256.mask, /^[0-9a-f]{64}$/, `${where}: mask sha256`);
  assert.ok(row.resize.size > 0, `${where}: resize missing`);
}

/**
 * The tree-wide contract: split files sorted, disjoint, covering every manifest row, no blank
 * lines, no group in two splits, every image `size`² RGB (or grey) and every mask exactly {0, 255}
 * with the manifest's foreground count. Returns the split of each `task/name`.
 */
export async function assertTreeContract(
  out: string,
  rows: ManifestRow[],
  o: { layout?: LayoutName; size: number; channels?: number },
): Promise<Map<string, string>> {
  const layout = layoutByName(o.layout ?? 'medbank');
  const splitOf = new Map<string, string>();
  const tasks = [...new Set(rows.map((r) => r.task))].sort();
  for (const task of tasks) {
    for (const split of SPLIT_NAMES) {
      const text = await readFile(path.join(out, task, `${split}.txt`), 'utf8');
      assert.ok(text === '' || text.endsWith('\n'), `${task}/${split}.txt must end with a newline`);
      const lines = text === '' ? [] : text.slice(0, -1).split('\n');
      assert.ok(!lines.includes(''), `${task}/${split}.txt has a blank line`);
      assert.deepEqual(lines, [...lines].sort(), `${task}/${split}.txt is not sorted`);
      for (const line of lines) {
        const file = layout.parseLine(line);
        assert.ok(file, `${task}/${split}.txt: malformed line "${line}"`);
        const key = `${task}/${file.replace(/\.png$/, '')}`;
        assert.ok(!splitOf.has(key), `${key} is in ${splitOf.get(key)} and ${split}`);
        splitOf.set(key, split);
      }
    }
  }
  assert.equal(splitOf.size, rows.length, 'split files and manifest list different numbers of samples');
  const groupSplit = new Map<string, string>();
  for (const row of rows) {
    assertRowComplete(row);
    const key = `${row.task}/${row.name}`;
    assert.equal(splitOf.get(key), row.split, `${key}: manifest split differs from the split file`);
    const g = `${row.task}/${row.group}`;
    assert.ok(!groupSplit.has(g) || groupSplit.get(g) === row.split, `group ${g} is in two splits`);
    groupSplit.set(g, row.split);
    assert.equal(row.image, `${row.task}/${layout.imageDir}/${row.name}.png`);
    assert.equal(row.mask, `${row.task}/${layout.maskDir}/${row.name}.png`);

    const image = await decode(path.join(out, row.image));
    assert.deepEqual([image.width, image.height, image.channels], [o.size, o.size, o.channels ?? 3], `${row.image}: size or channels`);
    const mask = await decode(path.join(out, row.mask));
    assert.deepEqual([mask.width, mask.height, mask.channels], [o.size, o.size, 1], `${row.mask}: size or channels`);
    const h = histogram(mask.data);
    assert.deepEqual(
      [...h.keys()].sort((a, b) => a - b),
      [0, 255],
      `${row.mask}: values other than 0 and 255`,
    );
    assert.equal(h.get(255), row.foreground, `${row.mask}: foreground differs from the manifest`);
  }
  for (const task of tasks) {
    for (const dir of [layout.imageDir, layout.maskDir]) {
      const files = (await readdir(path.join(out, task, dir))).sort();
      const expected = rows
        .filter((r) => r.task === task)
        .map((r) => `${r.name}.png`)
        .sort();
      assert.deepEqual(files, expected, `${task}/${dir} holds other files than the manifest lists`);
    }
  }
  return splitOf;
}

/**
 * Pillow reference of each output mask's foreground: union of the raw mask files as
 * `convert('L') > 127`, cropped like the row says, resized with NEAREST to the output size.
 */
const PIL_FOREGROUND = `
import sys, json, numpy as np
from PIL import Image
jobs = json.load(open(sys.argv[1]))
out = []
for files, size in jobs:
    union = None
    for f in files:
        m = np.array(Image.open(f).convert('L')) > 127
        union = m if union is None else (union | m)
    small = Image.fromarray(union.astype(np.uint8) * 255).resize((size, size), Image.NEAREST)
    out.append(int((np.array(small) > 0).sum()))
print(json.dumps(out))
`;

/** Foreground counts of the Pillow reference for each row (mask files are `row.raw.slice(1)`), or undefined when Python is absent. */
export async function pillowForeground(t: TestContext, raw: string, rows: ManifestRow[]): Promise<number[] | undefined> {
  const dir = await tempDir(t, 'medbank-ref-');
  const jobs = rows.map((r) => [r.raw.slice(1).map((f) => path.join(raw, f)), r.resize.size]);
  const file = path.join(dir, 'jobs.json');
  await writeFile(file, JSON.stringify(jobs));
  return python(t, PIL_FOREGROUND, [file]) as number[] | undefined;
}

/** Each row's foreground is within 1% of Pillow's nearest resize of the source mask. */
export async function assertForegroundMatchesPillow(t: TestContext, raw: string, rows: ManifestRow[]): Promise<void> {
  const ref = await pillowForeground(t, raw, rows);
  if (!ref) return;
  rows.forEach((row, i) => {
    const diff = Math.abs(row.foreground - ref[i]);
    assert.ok(diff <= Math.max(1, ref[i] * 0.01), `${row.task}/${row.name}: foreground ${row.foreground}, Pillow ${ref[i]}`);
  });
}

export async function exists(p: string): Promise<boolean> {
  return Boolean(await stat(p).catch(() => undefined));
}

/** Files below `dir` whose names mark an unfinished atomic write. */
export async function leftoverTemps(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function visit(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.name.includes('.partial-')) found.push(p);
    }
  }
  await visit(dir);
  return found;
}
