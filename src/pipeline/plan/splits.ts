/**
 * Split assignment (DESIGN.md §6). Runs once every sample is converted, on rows alone, so it is
 * independent of scan order, worker count and sharding. Per source, groups that share an
 * identical or near-identical image are merged (and video frames into sequences), official splits
 * are kept, and free groups are ordered by a seeded hash and dealt out by sample count to the
 * target ratios. Where a stratum (a source's modality) has no labelled official test part, a
 * seeded share of its train groups is carved out as test, so that every task can be evaluated.
 *
 * Near-identical: the 256-bit difference hash of the decoded raw image (io/image/perceptual-hash.ts).
 * Measured with bench/dhash-threshold.ts on the real samples: JPEG re-saves differ in at most 9
 * bits, copies scaled by 0.5 or 1.6 in at most 11, copies cropped by 1% a side in 13 to 26, by 2%
 * in 27 to 48; distinct images of one source in 46 or more (BUSI 109, Kvasir-SEG 79, COVID-QU-Ex
 * chest X-rays 46). Rows whose split is dealt here merge within COPY_BITS = 32: a distinct image
 * merged by mistake only costs balance. Rows with an official split merge within validate's
 * NEAR_DUPLICATE_BITS = 12, because there a merge of distinct images would report a false leak.
 * The search is nearPairs' banded one: beyond about 4,000 dealt images its one-digit bands hold
 * more than its bucket limit and are skipped, so a copy near COPY_BITS can then be missed (copies
 * within 12 bits share wider bands and are still found).
 * Video frames: a frame shifted by 1% against its neighbour differs in 19 to 47 bits, by 2% in 44
 * to 92, distinct colonoscopy images in 79 or more; SEQUENCE_BITS = 64 links consecutive frames.
 *
 * A source's rows are held compactly (a group number, a hint code and the 32 hash bytes each, and
 * for 2D rows the difference hash), so the record phase of a build of any size stays small.
 */
import { createHash } from 'node:crypto';
import type { Split, SplitHint } from '../../catalog/types.js';
import { NEAR_DUPLICATE_BITS, hammingDistance, nearPairs } from '../../io/image/perceptual-hash.js';

export const COPY_BITS = 32;
export const SEQUENCE_BITS = 64;

export interface Ratios {
  train: number;
  val: number;
  test: number;
}

export const DEFAULT_RATIOS: Ratios = { train: 70, val: 10, test: 20 };

/** Where a row's split came from: the source's own split, carved from its train part as test, or dealt by seed. */
export type SplitOrigin = 'official' | 'carved' | 'seeded';

/** Row hint codes; 0 is a row without a hint. Split codes are the first three. */
const CODES: readonly (SplitHint | undefined)[] = [undefined, 'train', 'val', 'test', 'trainval'];
const TRAIN = 1;
const TEST = 3;
const TRAINVAL = 4;
const ORIGINS: readonly SplitOrigin[] = ['official', 'carved', 'seeded'];
const isOfficial = (hint: number) => hint >= 1 && hint <= 3;
const HASH_BYTES = 32;

/** What the assignment reads of a row. */
export interface SplitKey {
  group: string;
  /** SHA-256 of the output image, hex. */
  imageHash: string;
  splitHint?: SplitHint;
  /** Difference hash of the decoded raw image (2D rows). */
  dhash?: string;
  /** Frame number of a video whose sequences are found by image similarity. */
  videoFrame?: number;
  /** Rows of one stratum (AMOS CT or MRI) get a test part of their own when none is official. */
  stratum?: string;
}

/** The outcome for the rows of one source, by the order they were added. */
export interface SourceSplits {
  split(row: number): Split;
  origin(row: number): SplitOrigin;
  /** Index into `conflicts` when the row's component has identical images in different official splits. */
  conflict(row: number): number | undefined;
  /** The official splits (sorted) of each conflicting component. */
  conflicts: Split[][];
  /** The row's group after merging: the smallest group name of its component. */
  group(row: number): string;
  /** What merging did, in words (empty when it merged nothing). */
  grouping: string[];
}

/** Collects the rows of one source, then assigns each a split. */
export class SourceSplitter {
  private groupIds = new Map<string, number>();
  private groupNames: string[] = [];
  private rowGroup: number[] = [];
  private rowHint: number[] = [];
  private strata = new Map<string, number>();
  private rowStratum: number[] = [];
  private hashes = Buffer.alloc(HASH_BYTES * 1024);
  /** Rows with a difference hash, and their hashes; frames of rows with a video frame number. */
  private hashed: { row: number; hash: string }[] = [];
  private frames: { row: number; frame: number; hash: string }[] = [];

  get size(): number {
    return this.rowGroup.length;
  }

  add(key: SplitKey): void {
    if (!/^[0-9a-f]{64}$/.test(key.imageHash)) throw new Error(`image hash "${key.imageHash}" is not a hex SHA-256`);
    let group = this.groupIds.get(key.group);
    if (group === undefined) {
      group = this.groupNames.push(key.group) - 1;
      this.groupIds.set(key.group, group);
    }
    const row = this.rowGroup.push(group) - 1;
    this.rowHint.push(key.splitHint ? CODES.indexOf(key.splitHint) : 0);
    const stratum = key.stratum ?? '';
    if (!this.strata.has(stratum)) this.strata.set(stratum, this.strata.size);
    this.rowStratum.push(this.strata.get(stratum)!);
    if ((row + 1) * HASH_BYTES > this.hashes.length) {
      const grown = Buffer.alloc(this.hashes.length * 2);
      this.hashes.copy(grown);
      this.hashes = grown;
    }
    this.hashes.write(key.imageHash, row * HASH_BYTES, 'hex');
    if (key.dhash === undefined) return;
    if (!/^[0-9a-f]{64}$/.test(key.dhash)) throw new Error(`difference hash "${key.dhash}" is not 64 hex digits`);
    this.hashed.push({ row, hash: key.dhash });
    if (key.videoFrame !== undefined) this.frames.push({ row, frame: key.videoFrame, hash: key.dhash });
  }

  /**
   * `source` salts the seeded order, so each source gets its own shuffle. Components are numbered
   * by their root group, and what is known of each sits in typed arrays indexed by that number.
   */
  assign(seed: number, source: string, ratios: Ratios): SourceSplits {
    const rows = this.size;
    const groups = this.groupNames.length;
    const { root, grouping } = this.mergeCopies();
    const component = Uint32Array.from(this.rowGroup, root);
    const count = new Uint32Array(groups);
    const officialBits = new Uint8Array(groups);
    const inTrainval = new Uint8Array(groups);
    const stratumOf = new Int32Array(groups).fill(-1);
    for (let r = 0; r < rows; r++) {
      const c = component[r];
      count[c]++;
      if (stratumOf[c] < 0) stratumOf[c] = this.rowStratum[r];
      const hint = this.rowHint[r];
      if (isOfficial(hint)) officialBits[c] |= 1 << hint;
      else if (hint === TRAINVAL) inTrainval[c] = 1;
    }

    const splitCode = new Uint8Array(groups); // 0: not dealt yet
    const conflictOf = new Map<number, number>();
    const conflicts: Split[][] = [];
    const free: number[] = [];
    const trainval: number[] = [];
    for (let c = 0; c < groups; c++) {
      if (count[c] === 0) continue;
      const bits = officialBits[c];
      if (bits) {
        const names = ([1, 2, 3] as const).filter((code) => bits & (1 << code)).map((code) => CODES[code] as Split);
        names.sort();
        if (names.length > 1) conflictOf.set(c, conflicts.push(names) - 1);
        splitCode[c] = CODES.indexOf(names[0]);
      } else (inTrainval[c] ? trainval : free).push(c);
    }
    const carved = this.carveTests({ seed, source, ratios, count, officialBits, inTrainval, stratumOf, splitCode });
    const dealer = { names: this.groupNames, count, splitCode };
    deal(free, `${seed}:${source}`, ratios, dealer);
    deal(
      trainval.filter((c) => !carved[c]),
      `${seed}:${source}:trainval`,
      { train: ratios.train, val: ratios.val, test: 0 },
      dealer,
    );

    const codes = new Uint8Array(rows);
    const origins = new Uint8Array(rows);
    const rowConflicts = new Map<number, number>();
    for (let r = 0; r < rows; r++) {
      const c = component[r];
      const hint = this.rowHint[r];
      const code = carved[c] ? TEST : isOfficial(hint) ? hint : splitCode[c];
      if (code === 0) throw new Error(`no split for row ${r} of ${source}`);
      codes[r] = code;
      origins[r] = carved[c] ? 1 : isOfficial(hint) || officialBits[c] ? 0 : 2;
      const conflict = conflictOf.get(c);
      if (conflict !== undefined) rowConflicts.set(r, conflict);
    }
    return {
      split: (r) => CODES[codes[r]] as Split,
      origin: (r) => ORIGINS[origins[r]],
      conflict: (r) => rowConflicts.get(r),
      conflicts,
      group: (r) => this.groupNames[component[r]],
      grouping,
    };
  }

  /**
   * In each stratum without an official test part, gives a seeded share (the test ratio) of its
   * train part's groups to test: whole groups, counted as groups, at least one when there are two
   * or more and never all. Official val groups stay val. Returns the carved components.
   */
  private carveTests(a: {
    seed: number;
    source: string;
    ratios: Ratios;
    count: Uint32Array;
    officialBits: Uint8Array;
    inTrainval: Uint8Array;
    stratumOf: Int32Array;
    splitCode: Uint8Array;
  }): Uint8Array {
    const groups = this.groupNames.length;
    const carved = new Uint8Array(groups);
    const share = a.ratios.test / (a.ratios.train + a.ratios.val + a.ratios.test);
    if (!(share > 0)) return carved;
    const hasTest = new Uint8Array(this.strata.size);
    for (let c = 0; c < groups; c++) if (a.officialBits[c] & (1 << TEST)) hasTest[a.stratumOf[c]] = 1;
    for (const [stratum, index] of this.strata) {
      if (hasTest[index]) continue;
      const trainPart: number[] = [];
      for (let c = 0; c < groups; c++) {
        if (a.count[c] === 0 || a.stratumOf[c] !== index) continue;
        if (a.officialBits[c] === 1 << TRAIN || (a.officialBits[c] === 0 && a.inTrainval[c])) trainPart.push(c);
      }
      const n = trainPart.length;
      const take = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(share * n)));
      const order = seededOrder(trainPart, `${a.seed}:${a.source}:carve:${stratum}`, this.groupNames);
      for (const c of order.slice(n - take)) {
        carved[c] = 1;
        a.splitCode[c] = TEST;
      }
    }
    return carved;
  }

  /**
   * Unites the groups of rows with identical or near-identical images and of linked video frames,
   * and returns each group's component, named by its smallest group name so that it is independent
   * of input order, with what was merged in words.
   */
  private mergeCopies(): { root: (group: number) => number; grouping: string[] } {
    const parent = Int32Array.from(this.groupNames, (_, i) => i);
    const find = (g: number): number => {
      while (parent[g] !== g) g = parent[g] = parent[parent[g]];
      return g;
    };
    const unite = (rowA: number, rowB: number) => {
      const ra = find(this.rowGroup[rowA]);
      const rb = find(this.rowGroup[rowB]);
      if (ra === rb) return;
      if (this.groupNames[ra] < this.groupNames[rb]) parent[rb] = ra;
      else parent[ra] = rb;
    };
    const grouping: string[] = [];
    const sequences = this.linkFrames(unite);
    if (sequences !== undefined) {
      grouping.push(`${sequences} video sequence(s) found: consecutive frames within ${SEQUENCE_BITS} of 256 difference-hash bits`);
    }
    const components = () => this.groupNames.reduce((n, _, g) => n + (find(g) === g ? 1 : 0), 0);
    const before = components();
    this.uniteIdenticalImages(unite);
    const dealt = this.hashed.filter(({ row }) => !isOfficial(this.rowHint[row]));
    for (const { a, b } of nearPairs(this.hashed, () => true, NEAR_DUPLICATE_BITS)) unite(a.row, b.row);
    for (const { a, b } of nearPairs(dealt, () => true, COPY_BITS)) unite(a.row, b.row);
    const after = components();
    if (after < before) {
      grouping.push(
        `${before - after} group(s) merged into another for an identical or near-identical image ` +
          `(difference hash within ${COPY_BITS} bits; ${NEAR_DUPLICATE_BITS} between official splits)`,
      );
    }
    return { root: find, grouping };
  }

  /**
   * Links each video frame to the next frame number when their images are within SEQUENCE_BITS;
   * returns how many sequences the frames form (undefined without frames).
   */
  private linkFrames(unite: (rowA: number, rowB: number) => void): number | undefined {
    if (this.frames.length === 0) return undefined;
    const frames = [...this.frames].sort((a, b) => a.frame - b.frame || a.row - b.row);
    let sequences = 1;
    for (let i = 1; i < frames.length; i++) {
      const [a, b] = [frames[i - 1], frames[i]];
      if (a.frame === b.frame) unite(a.row, b.row);
      else if (b.frame === a.frame + 1 && hammingDistance(a.hash, b.hash) <= SEQUENCE_BITS) unite(a.row, b.row);
      else sequences++;
    }
    return sequences;
  }

  /** Unites the groups of rows with identical output images, found by sorting the hashes. */
  private uniteIdenticalImages(unite: (rowA: number, rowB: number) => void): void {
    const hashes = this.hashes;
    const at = (r: number) => r * HASH_BYTES;
    const order = Uint32Array.from({ length: this.size }, (_, i) => i).sort((a, b) =>
      hashes.compare(hashes, at(b), at(b) + HASH_BYTES, at(a), at(a) + HASH_BYTES),
    );
    for (let i = 1; i < order.length; i++) {
      const [a, b] = [order[i - 1], order[i]];
      if (hashes.compare(hashes, at(a), at(a) + HASH_BYTES, at(b), at(b) + HASH_BYTES) === 0) unite(a, b);
    }
  }
}

/** How `conflicts` reads in medbank.json: the source, the names of the component's rows, their splits. */
export function conflictNote(source: string, names: Iterable<string>, official: Split[]): string {
  return `${source}: ${[...new Set(names)].sort().join(', ')} (${official.join(' / ')})`;
}

/**
 * Components ordered by a seeded hash of their name. The hashes sit in one buffer and are compared
 * bytewise, which is the order of their hex strings.
 */
function seededOrder(components: number[], salt: string, names: string[]): number[] {
  const keys = Buffer.alloc(components.length * HASH_BYTES);
  components.forEach((c, i) =>
    createHash('sha256')
      .update(`${salt}:${names[c]}`)
      .digest()
      .copy(keys, i * HASH_BYTES),
  );
  const at = (i: number) => i * HASH_BYTES;
  const order = Uint32Array.from(components, (_, i) => i).sort((a, b) =>
    keys.compare(keys, at(b), at(b) + HASH_BYTES, at(a), at(a) + HASH_BYTES),
  );
  return Array.from(order, (i) => components[i]);
}

/**
 * Gives each component, in seeded order, to the split whose share of the cumulative sample count
 * contains the component's midpoint.
 */
function deal(
  components: number[],
  salt: string,
  ratios: Ratios,
  { names, count, splitCode }: { names: string[]; count: Uint32Array; splitCode: Uint8Array },
): void {
  const total = components.reduce((s, c) => s + count[c], 0);
  const weight = ratios.train + ratios.val + ratios.test;
  if (total === 0 || weight <= 0) return;
  const trainEnd = (ratios.train / weight) * total;
  const valEnd = ((ratios.train + ratios.val) / weight) * total;
  let seen = 0;
  for (const c of seededOrder(components, salt, names)) {
    const mid = seen + count[c] / 2;
    splitCode[c] = mid < trainEnd ? 1 : mid < valEnd ? 2 : 3;
    seen += count[c];
  }
}

export function parseRatios(text: string): Ratios {
  const parts = text.split(/[,/:]/).map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0) || parts[0] + parts[1] + parts[2] <= 0) {
    throw new Error(`ratios must be three non-negative numbers like 70,10,20, got "${text}"`);
  }
  return { train: parts[0], val: parts[1], test: parts[2] };
}
