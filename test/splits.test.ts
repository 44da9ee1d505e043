// Split assignment (DESIGN.md §6): grouped, seeded, order-independent, duplicates together, official splits kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SplitHint } from '../src/catalog/types.js';
import type { ConvertedRow } from '../src/contract/manifest.js';
import { conflictNote, DEFAULT_RATIOS, parseRatios, SourceSplitter, type Ratios } from '../src/pipeline/plan/splits.js';
import { sha256 } from '../src/io/files/atomic.js';
import { convertedRow } from './helpers.js';
import { rng } from '../src/fixtures/draw.js';

function row(name: string, group: string, opts: { source?: string; hash?: string; hint?: SplitHint } = {}): ConvertedRow {
  return convertedRow('T_XX_0', name, { source: opts.source ?? 'S', group, image: opts.hash, hint: opts.hint });
}

/** Splits rows the way the record phase does: one SourceSplitter per source, rows sorted by task and name. */
function assignSplits(rows: ConvertedRow[], seed: number, ratios: Ratios) {
  const out: (ConvertedRow & { split: string })[] = [];
  const officialConflicts: string[] = [];
  for (const source of [...new Set(rows.map((r) => r.source))]) {
    const mine = rows.filter((r) => r.source === source);
    const splitter = new SourceSplitter();
    for (const r of mine) splitter.add({ group: r.group, imageHash: r.sha256.image, splitHint: r.splitHint });
    const assigned = splitter.assign(seed, source, ratios);
    mine.forEach((r, i) => out.push({ ...r, split: assigned.split(i) }));
    assigned.conflicts.forEach((official, c) => {
      const names = mine.filter((_, i) => assigned.conflict(i) === c).map((r) => r.name);
      officialConflicts.push(conflictNote(source, names, official));
    });
  }
  out.sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { rows: out.map(({ splitHint: _hint, ...rest }) => rest), officialConflicts: officialConflicts.sort() };
}

/** `groups` groups of 1..5 samples each. */
function groupedRows(groups: number): ConvertedRow[] {
  const rand = rng(7);
  const rows: ConvertedRow[] = [];
  for (let g = 0; g < groups; g++) {
    const n = 1 + Math.floor(rand() * 5);
    for (let i = 0; i < n; i++) rows.push(row(`g${g}_s${i}`, `g${g}`));
  }
  return rows;
}

function shuffled<T>(list: T[], seed: number): T[] {
  const rand = rng(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function splitByName(rows: ConvertedRow[], seed = 0): Record<string, string> {
  return Object.fromEntries(assignSplits(rows, seed, DEFAULT_RATIOS).rows.map((r) => [r.name, r.split]));
}

test('every sample of a group lands in one split', () => {
  const rows = groupedRows(200);
  const { rows: out } = assignSplits(rows, 0, DEFAULT_RATIOS);
  assert.equal(out.length, rows.length);
  const byGroup = new Map<string, Set<string>>();
  for (const r of out) byGroup.set(r.group, (byGroup.get(r.group) ?? new Set()).add(r.split));
  for (const [g, s] of byGroup) assert.equal(s.size, 1, `${g} is in ${[...s].join(', ')}`);
});

test('the assignment does not depend on input order', () => {
  const rows = groupedRows(150);
  const reference = assignSplits(rows, 3, DEFAULT_RATIOS).rows;
  for (const seed of [1, 2, 3]) assert.deepEqual(assignSplits(shuffled(rows, seed), 3, DEFAULT_RATIOS).rows, reference);
});

test('the seed changes the assignment and the same seed repeats it', () => {
  const rows = groupedRows(150);
  assert.deepEqual(splitByName(rows, 5), splitByName(rows, 5));
  const a = splitByName(rows, 0);
  const b = splitByName(rows, 1);
  const moved = Object.keys(a).filter((n) => a[n] !== b[n]).length;
  assert.ok(moved > rows.length / 5, `only ${moved} of ${rows.length} samples moved with another seed`);
});

test('ratios are respected within a few percent, and --ratios changes them', () => {
  const rows = Array.from({ length: 2000 }, (_, i) => row(`s${i}`, `s${i}`));
  const count = (ratios = DEFAULT_RATIOS) => {
    const c: Record<string, number> = { train: 0, val: 0, test: 0 };
    for (const r of assignSplits(rows, 0, ratios).rows) c[r.split]++;
    return c;
  };
  const c = count();
  assert.ok(Math.abs(c.train - 1400) <= 20 && Math.abs(c.val - 200) <= 20 && Math.abs(c.test - 400) <= 20, JSON.stringify(c));
  const d = count(parseRatios('80/0/20'));
  assert.equal(d.val, 0);
  assert.ok(Math.abs(d.train - 1600) <= 20, JSON.stringify(d));
});

test('identical images (same pixel hash) share a split even across groups', () => {
  const rows = groupedRows(100);
  // Give one sample of each of 30 group pairs the same image hash.
  for (let g = 0; g < 60; g += 2) {
    rows.find((r) => r.group === `g${g}`)!.sha256.image = sha256(`dup-${g}`);
    rows.find((r) => r.group === `g${g + 1}`)!.sha256.image = sha256(`dup-${g}`);
  }
  for (const seed of [0, 1, 2, 3]) {
    const s = assignSplits(rows, seed, DEFAULT_RATIOS).rows;
    const groupSplit = new Map(s.map((r) => [r.group, r.split]));
    for (let g = 0; g < 60; g += 2) assert.equal(groupSplit.get(`g${g}`), groupSplit.get(`g${g + 1}`), `seed ${seed}: g${g} and g${g + 1}`);
  }
});

test('identical images of different sources are not merged', () => {
  const rows = [row('a', 'a', { source: 'A', hash: 'same', hint: 'train' }), row('b', 'b', { source: 'B', hash: 'same', hint: 'test' })];
  const { rows: out, officialConflicts } = assignSplits(rows, 0, DEFAULT_RATIOS);
  assert.deepEqual(
    out.map((r) => r.split),
    ['train', 'test'],
  );
  assert.deepEqual(officialConflicts, []);
});

test('official splits are kept as published, and a duplicate across them is reported', () => {
  const rows = [
    row('a', 'a', { hint: 'train' }),
    row('b', 'b', { hint: 'val' }),
    row('c', 'c', { hint: 'test' }),
    row('d', 'd', { hint: 'val', hash: 'x' }),
    row('e', 'e', { hint: 'test', hash: 'x' }),
  ];
  const { rows: out, officialConflicts } = assignSplits(rows, 9, DEFAULT_RATIOS);
  assert.deepEqual(Object.fromEntries(out.map((r) => [r.name, r.split])), { a: 'train', b: 'val', c: 'test', d: 'val', e: 'test' });
  assert.equal(officialConflicts.length, 1);
  assert.match(officialConflicts[0], /d, e/);
});

test("a 'trainval' pool beside an official test part is dealt into train and val only, in the train:val ratio", () => {
  const rows = [...Array.from({ length: 800 }, (_, i) => row(`s${i}`, `s${i}`, { hint: 'trainval' })), row('t', 't', { hint: 'test' })];
  const c: Record<string, number> = { train: 0, val: 0, test: 0 };
  for (const r of assignSplits(rows, 0, DEFAULT_RATIOS).rows) c[r.split]++;
  assert.equal(c.test, 1);
  assert.ok(Math.abs(c.val - 100) <= 10, JSON.stringify(c));
});

test('free samples beside an official split get a seeded split of their own', () => {
  const rows = [
    ...Array.from({ length: 50 }, (_, i) => row(`o${i}`, `o${i}`, { hint: 'train' })),
    ...Array.from({ length: 100 }, (_, i) => row(`f${i}`, `f${i}`)),
  ];
  const out = assignSplits(rows, 0, DEFAULT_RATIOS).rows;
  // No official test part: 20% of the official train groups are carved out as test, none go to val.
  const official = out.filter((r) => r.name.startsWith('o'));
  assert.equal(official.filter((r) => r.split === 'test').length, 10);
  assert.equal(official.filter((r) => r.split === 'train').length, 40);
  const free = out.filter((r) => r.name.startsWith('f'));
  assert.ok(free.some((r) => r.split === 'test') && free.some((r) => r.split === 'val'));
});

test('a conflict note names every sample of the component, and a hash that is not hex SHA-256 is refused', () => {
  const rows = [
    row('p', 'g1', { hint: 'train', hash: 'x' }),
    row('q', 'g1', { hint: 'train' }),
    row('r', 'g2', { hint: 'test', hash: 'x' }),
    row('s', 'g3'),
  ];
  assert.deepEqual(assignSplits(rows, 0, DEFAULT_RATIOS).officialConflicts, ['S: p, q, r (test / train)']);
  assert.throws(() => new SourceSplitter().add({ group: 'g', imageHash: 'abc' }), /image hash "abc" is not a hex SHA-256/);
});

test('parseRatios accepts 70,10,20 and 70/10/20 and rejects malformed text', () => {
  assert.deepEqual(parseRatios('70,10,20'), { train: 70, val: 10, test: 20 });
  assert.deepEqual(parseRatios('0.8/0.1/0.1'), { train: 0.8, val: 0.1, test: 0.1 });
  for (const bad of ['70,30', '70,-10,40', '0,0,0', 'a,b,c']) assert.throws(() => parseRatios(bad), /ratios must be/);
});
