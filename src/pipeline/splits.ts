/**
 * Split assignment (DESIGN.md §6). Runs once every sample is converted, on rows alone, so it is
 * independent of scan order, worker count and sharding. Per source, groups that share an
 * identical image (same output hash) are merged, official splits are kept, and free groups are
 * ordered by a seeded hash and dealt out by sample count to the target ratios.
 */
import { createHash } from 'node:crypto';
import type { Split } from '../catalog/types.js';
import type { ConvertedRow } from '../contract/manifest.js';

export interface Ratios {
  train: number;
  val: number;
  test: number;
}

export const DEFAULT_RATIOS: Ratios = { train: 70, val: 10, test: 20 };

/** What the split assignment reads of a row (the record phase passes only this, to stay small). */
export type SplitInput = Pick<ConvertedRow, 'task' | 'name' | 'source' | 'group' | 'splitHint'> & { sha256: { image: string } };

export interface SplitResult<R extends SplitInput = ConvertedRow> {
  rows: (Omit<R, 'splitHint'> & { split: Split })[];
  /** Identical images that official splits put in different splits (kept as published). */
  officialConflicts: string[];
}

class UnionFind {
  private parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller id becomes the root, so components are named independently of input order.
    if (ra < rb) this.parent.set(rb, ra);
    else if (rb < ra) this.parent.set(ra, rb);
  }
}

export function assignSplits<R extends SplitInput = ConvertedRow>(rows: R[], seed: number, ratios: Ratios): SplitResult<R> {
  const bySource = new Map<string, R[]>();
  for (const r of rows) {
    const list = bySource.get(r.source) ?? [];
    list.push(r);
    bySource.set(r.source, list);
  }
  const out: SplitResult<R>['rows'] = [];
  const officialConflicts: string[] = [];
  for (const [source, list] of [...bySource].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const uf = new UnionFind();
    const firstGroupOfHash = new Map<string, string>();
    for (const r of list) {
      uf.find(r.group);
      const seen = firstGroupOfHash.get(r.sha256.image);
      if (seen === undefined) firstGroupOfHash.set(r.sha256.image, r.group);
      else uf.union(seen, r.group);
    }
    const components = new Map<string, R[]>();
    for (const r of list) {
      const c = uf.find(r.group);
      const members = components.get(c) ?? [];
      members.push(r);
      components.set(c, members);
    }

    const splitOf = new Map<string, Split>();
    const pools: Record<'free' | 'trainval', { id: string; count: number }[]> = { free: [], trainval: [] };
    for (const [id, members] of components) {
      const official = [
        ...new Set(members.map((m) => m.splitHint).filter((h): h is Split => h === 'train' || h === 'val' || h === 'test')),
      ].sort();
      if (official.length > 1)
        officialConflicts.push(`${source}: ${[...new Set(members.map((m) => m.name))].sort().join(', ')} (${official.join(' / ')})`);
      if (official.length > 0) {
        splitOf.set(id, official[0]);
        continue;
      }
      const pool = members.some((m) => m.splitHint === 'trainval') ? 'trainval' : 'free';
      pools[pool].push({ id, count: members.length });
    }
    deal(pools.free, `${seed}:${source}`, ratios, splitOf);
    deal(pools.trainval, `${seed}:${source}:trainval`, { train: ratios.train, val: ratios.val, test: 0 }, splitOf);

    for (const r of list) {
      const official = r.splitHint === 'train' || r.splitHint === 'val' || r.splitHint === 'test' ? r.splitHint : undefined;
      const split = official ?? splitOf.get(uf.find(r.group));
      if (!split) throw new Error(`no split for ${r.task}/${r.name}`);
      const { splitHint: _hint, ...rest } = r;
      out.push({ ...rest, split });
    }
  }
  out.sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { rows: out, officialConflicts: officialConflicts.sort() };
}

/**
 * Orders groups by a seeded hash and gives each to the split whose share of the cumulative
 * sample count contains the group's midpoint.
 */
function deal(groups: { id: string; count: number }[], salt: string, ratios: Ratios, splitOf: Map<string, Split>): void {
  const total = groups.reduce((s, g) => s + g.count, 0);
  const weight = ratios.train + ratios.val + ratios.test;
  if (total === 0 || weight <= 0) return;
  const keyed = groups.map((g) => ({ ...g, key: createHash('sha256').update(`${salt}:${g.id}`).digest('hex') }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const trainEnd = (ratios.train / weight) * total;
  const valEnd = ((ratios.train + ratios.val) / weight) * total;
  let seen = 0;
  for (const g of keyed) {
    const mid = seen + g.count / 2;
    splitOf.set(g.id, mid < trainEnd ? 'train' : mid < valEnd ? 'val' : 'test');
    seen += g.count;
  }
}

export function parseRatios(text: string): Ratios {
  const parts = text.split(/[,/:]/).map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0) || parts[0] + parts[1] + parts[2] <= 0) {
    throw new Error(`ratios must be three non-negative numbers like 70,10,20, got "${text}"`);
  }
  return { train: parts[0], val: parts[1], test: parts[2] };
}
