/**
 * `medbank validate`: proves a tree is sound. Works on both layouts and on trees without
 * medbank.json and manifest (made by the README's script), where the checks that need them are
 * skipped and a note says so. Each check is one small function emitting findings with a stable
 * code (check-codes.ts) and the file they are about.
 *
 * Cost: directory listings, split files and the manifest are read on the main thread; every PNG
 * is read once in the worker pool, where its header gives format and size, and a full decode (CRC
 * checked) gives corruption, mask values, empty masks, mask look-alikes and the perceptual hash.
 * Masks are hashed only with --deep.
 */
import path from 'node:path';
import { SPLITS, type Split } from '../catalog/types.js';
import type { BuildRecord } from '../contract/build-record.js';
import type { ManifestRow } from '../contract/manifest.js';
import { describePng } from '../io/image/png-header.js';
import { CHECK_ORDER, EMPTY_RATE_LIMIT, type CheckCode } from './check-codes.js';
import type { ImageFacts, MaskFacts } from './inspect.js';
import { inspectAll } from './inspect-pool.js';
import { HASH_BITS, NEAR_DUPLICATE_BITS, nearPairs } from '../io/image/perceptual-hash.js';
import { readTreeFiles, sampleKey, type TaskFiles, type TreeFiles } from './tree-files.js';
import { compareText } from '../contract/order.js';

export interface Finding {
  code: CheckCode;
  /** Path relative to the tree root. */
  file: string;
  /** 1-based line, for split files and the manifest. */
  line?: number;
  message: string;
}

export interface ValidateOptions {
  /** Also compare every file with the sha256 in its manifest row. */
  deep?: boolean;
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface TaskSummary {
  task: string;
  layout: string;
  samples: number;
  splits: Record<Split, number>;
  emptyMasks: number;
  emptyRate: number;
}

export interface ValidateReport {
  root: string;
  deep: boolean;
  samples: number;
  tasks: TaskSummary[];
  findings: Finding[];
  /** Facts that are not defects (checks skipped and why). */
  notes: string[];
  seconds: number;
}

/** One image/mask name in one task, with what the split files and the workers say about it. */
interface SampleState {
  taskFiles: TaskFiles;
  file: string;
  imageRel?: string;
  maskRel?: string;
  splits: Split[];
  row?: ManifestRow;
  image?: ImageFacts;
  mask?: MaskFacts;
}

interface Context {
  tree: TreeFiles;
  record?: BuildRecord;
  samples: SampleState[];
  deep: boolean;
  emit: (code: CheckCode, file: string, message: string, line?: number) => void;
}

const rel = (...parts: string[]) => parts.join('/');
const isPng = (f: string) => f.toLowerCase().endsWith('.png');
const firstSplit = (s: SampleState): Split | undefined => s.splits[0];

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function checkRecord({ tree, emit }: Context): void {
  const r = tree.record;
  if (r.state === 'malformed') emit('record.malformed', 'medbank.json', r.reason);
  else if (r.state === 'missing' && tree.manifest.present) emit('record.missing', 'medbank.json', 'absent, but manifest.jsonl exists');
}

function checkRecordTasks({ tree, record, emit }: Context): void {
  if (!record) return;
  const folders = new Map(tree.tasks.map((t) => [t.task.id, t]));
  for (const t of record.tasks) {
    const folder = folders.get(t.id);
    if (!folder) {
      emit('record.task-missing', t.id, `listed in medbank.json but the folder is absent`);
      continue;
    }
    const listed = Object.fromEntries(folder.splitFiles.map((s) => [s.split, validLines(folder, s.lines).length]));
    const differs = SPLITS.filter((s) => t.counts[s] !== listed[s]);
    if (differs.length)
      emit(
        'record.counts',
        'medbank.json',
        `${t.id}: ${differs.map((s) => `${s} ${t.counts[s]} in medbank.json, ${listed[s]} in ${s}.txt`).join('; ')}`,
      );
  }
  const recorded = new Set(record.tasks.map((t) => t.id));
  for (const t of tree.tasks)
    if (!recorded.has(t.task.id)) emit('record.task-unlisted', t.task.id, 'task folder not listed in medbank.json');
}

function checkManifest({ tree, samples, emit }: Context): void {
  const m = tree.manifest;
  if (!m.present) {
    if (tree.record.state !== 'missing') emit('manifest.missing', 'manifest.jsonl', 'absent, but medbank.json exists');
    return;
  }
  for (const d of m.defects) emit('manifest.malformed', 'manifest.jsonl', d.reason, d.line);
  const present = new Set<string>();
  for (const s of samples) {
    const key = sampleKey(s.taskFiles.task.id, s.file);
    present.add(key);
    if (s.imageRel && !s.row) emit('manifest.row-missing', s.imageRel, 'no row in manifest.jsonl');
    const split = firstSplit(s);
    if (s.row && split && s.row.split !== split)
      emit(
        'manifest.split',
        s.imageRel ?? s.maskRel!,
        `manifest.jsonl says ${s.row.split}, the split files say ${split}`,
        m.rows.get(key)?.line,
      );
  }
  for (const [key, { line }] of m.rows)
    if (!present.has(key)) emit('manifest.orphan', 'manifest.jsonl', `row for ${key}, which is not in the tree`, line);
}

function checkManifestHashes({ samples, emit }: Context): void {
  for (const s of samples) {
    if (!s.row) continue;
    if (s.imageRel && s.image?.sha256 && s.image.sha256 !== s.row.sha256.image)
      emit(
        'manifest.hash',
        s.imageRel,
        `sha256 ${s.image.sha256.slice(0, 12)}… differs from the manifest's ${s.row.sha256.image.slice(0, 12)}…`,
      );
    if (s.maskRel && s.mask?.sha256 && s.mask.sha256 !== s.row.sha256.mask)
      emit(
        'manifest.hash',
        s.maskRel,
        `sha256 ${s.mask.sha256.slice(0, 12)}… differs from the manifest's ${s.row.sha256.mask.slice(0, 12)}…`,
      );
  }
}

function checkFileNames({ tree, emit }: Context): void {
  for (const t of tree.tasks) {
    for (const [dir, files] of [
      [t.task.layout.imageDir, t.images],
      [t.task.layout.maskDir, t.masks],
    ] as const) {
      for (const f of files) if (!isPng(f)) emit('file.not-png', rel(t.task.id, dir, f), 'not a .png file; the contract stores PNG only');
    }
  }
}

function checkPairs({ samples, emit }: Context): void {
  for (const s of samples) {
    const { imageDir, maskDir } = s.taskFiles.task.layout;
    if (s.imageRel && !s.maskRel) emit('pair.mask-missing', s.imageRel, `no mask ${rel(s.taskFiles.task.id, maskDir, s.file)}`);
    if (s.maskRel && !s.imageRel) emit('pair.image-missing', s.maskRel, `no image ${rel(s.taskFiles.task.id, imageDir, s.file)}`);
  }
}

/** Image file names named by well-formed lines of a split file. */
function validLines(t: TaskFiles, lines: string[]): string[] {
  return lines.map((l) => (l.trim() ? t.task.layout.parseLine(l) : undefined)).filter((f): f is string => f !== undefined);
}

function checkSplitLines({ tree, emit }: Context): void {
  for (const t of tree.tasks) {
    const images = new Set(t.images);
    for (const sf of t.splitFiles) {
      if (!sf.exists) {
        emit('split.file-missing', sf.file, 'absent (an empty split is an empty file)');
        continue;
      }
      const firstLine = new Map<string, number>();
      sf.lines.forEach((line, i) => {
        const n = i + 1;
        if (!line.trim()) return emit('split.blank-line', sf.file, 'blank line', n);
        const file = t.task.layout.parseLine(line);
        if (file === undefined)
          return emit(
            'split.malformed',
            sf.file,
            `"${line}" is not a ${t.task.layout.name} split line (${t.task.layout.splitLine('<name>.png')})`,
            n,
          );
        const earlier = firstLine.get(line);
        if (earlier !== undefined) return emit('split.duplicate', sf.file, `"${line}" repeats line ${earlier}`, n);
        firstLine.set(line, n);
        if (!images.has(file))
          emit('split.unknown-file', sf.file, `names ${rel(t.task.id, t.task.layout.imageDir, file)}, which does not exist`, n);
      });
    }
  }
}

function checkSplitCoverage({ samples, emit }: Context): void {
  for (const s of samples) {
    if (!s.imageRel) continue;
    const distinct = [...new Set(s.splits)];
    if (distinct.length > 1) emit('split.overlap', s.imageRel, `listed in ${distinct.map((x) => `${x}.txt`).join(' and ')}`);
    if (distinct.length === 0) emit('split.uncovered', s.imageRel, 'in no split file');
  }
}

function checkDecoding({ samples, emit }: Context): void {
  for (const s of samples) {
    if (s.imageRel && s.image?.error) emit(s.image.unreadable ? 'file.unreadable' : 'png.corrupt', s.imageRel, s.image.error);
    if (s.maskRel && s.mask?.error) emit(s.mask.unreadable ? 'file.unreadable' : 'png.corrupt', s.maskRel, s.mask.error);
  }
}

function checkFormats({ samples, record, emit }: Context): void {
  const declared = record ? (record.options.grey ? [0] : [2]) : [0, 2];
  const wanted = record ? (record.options.grey ? '8-bit grey' : '8-bit RGB') : '8-bit RGB or grey';
  for (const s of samples) {
    const ih = s.image?.header;
    if (s.imageRel && ih && (ih.bitDepth !== 8 || !declared.includes(ih.colourType)))
      emit('image.format', s.imageRel, `${describePng(ih)}, expected ${wanted}`);
    const mh = s.mask?.header;
    if (s.maskRel && mh && (mh.bitDepth !== 8 || mh.colourType !== 0))
      emit('mask.format', s.maskRel, `${describePng(mh)}, expected 8-bit grey`);
  }
}

function checkSizes({ samples, record, emit }: Context): void {
  const size = record?.options.size;
  for (const s of samples) {
    const ih = s.image?.header;
    const mh = s.mask?.header;
    if (ih && mh && (ih.width !== mh.width || ih.height !== mh.height))
      emit('pair.size-mismatch', s.maskRel!, `mask is ${mh.width}×${mh.height}, its image ${ih.width}×${ih.height}`);
    if (ih && size !== undefined && (ih.width !== size || ih.height !== size))
      emit('image.size', s.imageRel!, `${ih.width}×${ih.height}, medbank.json declares ${size}×${size}`);
  }
}

function checkMaskValues({ samples, record, emit }: Context): void {
  const declared = new Map(record?.tasks.map((t) => [t.id, t.maskValues]) ?? []);
  for (const s of samples) {
    const values = s.mask?.values;
    if (!s.maskRel || !values) continue;
    const allowed = declared.get(s.taskFiles.task.id) ?? [0, 255];
    const extra = values.filter((v) => !allowed.includes(v));
    if (extra.length)
      emit(
        'mask.values',
        s.maskRel,
        `values ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', …' : ''} outside {${allowed.join(', ')}}`,
      );
  }
}

function checkEmptyMasks({ samples, record, tree, emit }: Context): void {
  const skipsEmpty = record?.options.keepEmpty === 0;
  for (const t of tree.tasks) {
    const masks = samples.filter((s) => s.taskFiles === t && s.mask?.foreground !== undefined);
    const empty = masks.filter((s) => s.mask!.foreground === 0);
    if (skipsEmpty) for (const s of empty) emit('mask.empty', s.maskRel!, 'empty mask, but medbank.json says empty masks were skipped');
    if (masks.length && empty.length / masks.length > EMPTY_RATE_LIMIT)
      emit('mask.empty-rate', t.task.id, `${empty.length} of ${masks.length} masks are empty (over ${EMPTY_RATE_LIMIT * 100}%)`);
  }
}

function checkMaskLookalikes({ samples, emit }: Context): void {
  for (const s of samples)
    if (s.imageRel && s.image?.looksLikeMask) emit('image.looks-like-mask', s.imageRel, 'only two grey levels: a mask stored as an image?');
}

function checkGroups({ samples, tree, emit }: Context): void {
  for (const t of tree.tasks) {
    const groups = new Map<string, SampleState[]>();
    for (const s of samples) {
      if (s.taskFiles !== t || !s.row || !firstSplit(s)) continue;
      pushTo(groups, s.row.group, s);
    }
    for (const [group, members] of groups) {
      const bySplit = new Map<Split, SampleState[]>();
      for (const m of members) pushTo(bySplit, firstSplit(m)!, m);
      if (bySplit.size < 2) continue;
      const [main] = [...bySplit].sort((a, b) => b[1].length - a[1].length || SPLITS.indexOf(a[0]) - SPLITS.indexOf(b[0]));
      for (const [split, list] of bySplit) {
        if (split === main[0]) continue;
        for (const m of list)
          emit('group.leak', m.imageRel!, `group "${group}" is in ${split} here and has ${main[1].length} sample(s) in ${main[0]}`);
      }
    }
  }
}

/** Orders a pair so the first member is in the earlier split; the later one is reported. */
function ordered<T extends { split: Split }>(a: T, b: T): [T, T] {
  return SPLITS.indexOf(a.split) <= SPLITS.indexOf(b.split) ? [a, b] : [b, a];
}

/**
 * What identifies an image's content: its sha256 where one was taken, else its content key, which
 * confirmCopies has made unique to the content (files sharing a key all got a sha256).
 */
function identity(facts: ImageFacts): string | undefined {
  return facts.sha256 ? `sha256:${facts.sha256}` : facts.contentKey;
}

/**
 * Takes the sha256 of every image whose content key another file shares (same length and CRC-32:
 * byte-identical files, or in rare cases a CRC collision), so identities are exact. Names of one
 * file (hard links, inspected once) share its facts and are no second file.
 */
async function confirmCopies(samples: SampleState[], root: string, workers: number | undefined): Promise<void> {
  const byKey = new Map<string, Map<ImageFacts, string>>();
  for (const s of samples) {
    const facts = s.image;
    if (!s.imageRel || !facts?.contentKey || facts.sha256) continue;
    const files = byKey.get(facts.contentKey) ?? new Map<ImageFacts, string>();
    byKey.set(facts.contentKey, files);
    if (!files.has(facts)) files.set(facts, s.imageRel);
  }
  const pending = [...byKey.values()].filter((files) => files.size > 1).flatMap((files) => [...files]);
  if (pending.length === 0) return;
  const hashed = await inspectAll(
    pending.map(([, rel]) => ({ image: path.join(root, rel) })),
    { imagePixels: false, imageHash: true, maskPixels: false, maskHash: false },
    // A few files are quicker to hash here than a pool is to start.
    { workers: pending.length > CONFIRM_INLINE ? workers : undefined },
  );
  pending.forEach(([facts], i) => (facts.sha256 = hashed[i].image?.sha256));
}

/** Most files confirmCopies hashes on the calling thread. */
const CONFIRM_INLINE = 32;

function leakCandidates(samples: SampleState[]) {
  return samples
    .filter((s) => s.imageRel && s.image && identity(s.image) && firstSplit(s))
    .map((s) => ({ file: s.imageRel!, split: firstSplit(s)!, identity: identity(s.image!)!, hash: s.image!.dhash }));
}

function checkIdentical({ samples, emit }: Context): void {
  const byContent = new Map<string, { file: string; split: Split }[]>();
  for (const c of leakCandidates(samples)) pushTo(byContent, c.identity, c);
  for (const copies of byContent.values()) {
    const [first] = [...copies].sort((a, b) => SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split));
    for (const c of copies) if (c.split !== first.split) emit('leak.identical', c.file, `byte-identical to ${first.file} (${first.split})`);
  }
}

function checkNearIdentical({ samples, emit }: Context): void {
  const items = leakCandidates(samples).filter((c): c is typeof c & { hash: string } => c.hash !== undefined);
  for (const { a, b, bits } of nearPairs(items, (x, y) => x.split !== y.split && x.identity !== y.identity)) {
    const [earlier, later] = ordered(a, b);
    emit(
      'leak.near-identical',
      later.file,
      `near-identical to ${earlier.file} (${earlier.split}): ${bits} of ${HASH_BITS} hash bits differ (threshold ${NEAR_DUPLICATE_BITS})`,
    );
  }
}

const TREE_CHECKS = [checkRecord, checkRecordTasks, checkManifest, checkFileNames, checkPairs, checkSplitLines, checkSplitCoverage];
const PIXEL_CHECKS = [
  checkDecoding,
  checkFormats,
  checkSizes,
  checkMaskValues,
  checkEmptyMasks,
  checkMaskLookalikes,
  checkGroups,
  checkIdentical,
  checkNearIdentical,
];

function collectSamples(tree: TreeFiles): SampleState[] {
  const samples: SampleState[] = [];
  for (const t of tree.tasks) {
    const { id, layout } = t.task;
    const membership = new Map<string, Split[]>();
    for (const sf of t.splitFiles) for (const f of validLines(t, sf.lines)) pushTo(membership, f, sf.split);
    const images = new Set(t.images.filter(isPng));
    const masks = new Set(t.masks.filter(isPng));
    for (const file of [...new Set([...images, ...masks])].sort()) {
      samples.push({
        taskFiles: t,
        file,
        imageRel: images.has(file) ? rel(id, layout.imageDir, file) : undefined,
        maskRel: masks.has(file) ? rel(id, layout.maskDir, file) : undefined,
        splits: membership.get(file) ?? [],
        row: tree.manifest.rows.get(sampleKey(id, file))?.row,
      });
    }
  }
  return samples;
}

function summarise(tree: TreeFiles, samples: SampleState[]): TaskSummary[] {
  return tree.tasks.map((t) => {
    const own = samples.filter((s) => s.taskFiles === t);
    const splits = { train: 0, val: 0, test: 0 };
    for (const s of own) if (s.imageRel && firstSplit(s)) splits[firstSplit(s)!]++;
    const decoded = own.filter((s) => s.mask?.foreground !== undefined);
    const emptyMasks = decoded.filter((s) => s.mask!.foreground === 0).length;
    return {
      task: t.task.id,
      layout: t.task.layout.name,
      samples: own.filter((s) => s.imageRel).length,
      splits,
      emptyMasks,
      emptyRate: decoded.length ? emptyMasks / decoded.length : 0,
    };
  });
}

export async function validateTree(root: string, options: ValidateOptions = {}): Promise<ValidateReport> {
  const started = Date.now();
  const tree = await readTreeFiles(root);
  const findings: Finding[] = [];
  const notes: string[] = [];
  const record = tree.record.state === 'ok' ? tree.record.record : undefined;
  const samples = collectSamples(tree);
  const ctx: Context = {
    tree,
    record,
    samples,
    deep: options.deep ?? false,
    emit: (code, file, message, line) => findings.push({ code, file, ...(line !== undefined ? { line } : {}), message }),
  };
  if (tree.record.state === 'missing' && !tree.manifest.present)
    notes.push('no medbank.json and no manifest.jsonl (a tree made by the README script): record, manifest, group and hash checks skipped');
  if (!ctx.deep && tree.manifest.present) notes.push('file hashes were not compared with the manifest (use --deep)');

  for (const check of TREE_CHECKS) check(ctx);
  const facts = await inspectAll(
    samples.map((s) => ({
      image: s.imageRel && path.join(tree.root, s.imageRel),
      mask: s.maskRel && path.join(tree.root, s.maskRel),
    })),
    { imagePixels: true, imageHash: ctx.deep, maskPixels: true, maskHash: ctx.deep },
    { workers: options.workers, onProgress: options.onProgress },
  );
  facts.forEach((f, i) => Object.assign(samples[i], f));
  await confirmCopies(samples, tree.root, options.workers);
  for (const check of PIXEL_CHECKS) check(ctx);
  if (ctx.deep) checkManifestHashes(ctx);

  findings.sort(
    (a, b) => CHECK_ORDER.indexOf(a.code) - CHECK_ORDER.indexOf(b.code) || compareText(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0),
  );
  return {
    root: tree.root,
    deep: ctx.deep,
    samples: samples.filter((s) => s.imageRel).length,
    tasks: summarise(tree, samples),
    findings,
    notes,
    seconds: (Date.now() - started) / 1000,
  };
}
