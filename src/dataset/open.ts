/**
 * The library API: open a built tree (either layout, with or without medbank.json and manifest),
 * list its tasks, iterate a split, and read samples as typed arrays.
 *
 * ```ts
 * import { openMedBank } from 'medbank';
 * const bank = await openMedBank('/data/medbank');
 * for await (const sample of bank.task('BreastTumor_UT_0').samples('train')) {
 *   const { data, width, height, channels } = await sample.readImage();
 * }
 * ```
 */
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import sharp from '../io/image/sharp.js';
import { SPLITS, type Split } from '../catalog/types.js';
import { LAYOUTS, layoutByName, splitFileName, type Layout } from '../contract/layout.js';
import type { BuildRecord, TaskRecord } from '../contract/build-record.js';
import type { ManifestRow } from '../contract/manifest.js';
import { InputError, UsageError } from '../errors.js';
import { confineTo, isPlainName, type Confinement } from '../io/files/confine.js';
import { maskPrompts, type MaskPrompts } from './prompts.js';

/** Decoded pixels, interleaved, 8 bits per sample. */
export interface Pixels8 {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export interface Sample {
  task: string;
  /** File stem, e.g. `busi_benign_1`. */
  name: string;
  split: Split;
  imagePath: string;
  maskPath: string;
  /** The manifest row, where the tree has a manifest. */
  manifest?: ManifestRow;
  /** Image as stored: RGB (3 channels) or grey (1). */
  readImage(): Promise<Pixels8>;
  /** Mask as one channel: 0 background, 255 foreground (or class indices for multi-class tasks). */
  readMask(): Promise<Pixels8>;
  /**
   * The mask's box and inner point, and its instances (8-connected components of at least
   * `minArea` pixels, default 1) each with its own mask, box and point.
   */
  readPrompts(options?: { minArea?: number }): Promise<MaskPrompts>;
}

export interface MedBankTask {
  id: string;
  dir: string;
  layout: Layout;
  /** Task metadata from medbank.json (label, modality, license, counts), where present. */
  metadata?: TaskRecord;
  /** Image file names per split, as listed in the split files. */
  splits(): Promise<Record<Split, string[]>>;
  /** Samples of one split (or all splits in train, val, test order). */
  samples(split?: Split): AsyncGenerator<Sample>;
  /** This task's manifest rows by name (empty without a manifest). */
  manifest(): Promise<Map<string, ManifestRow>>;
}

export interface MedBank {
  root: string;
  record?: BuildRecord;
  tasks: MedBankTask[];
  /** The task with this id; throws if absent. */
  task(id: string): MedBankTask;
}

/** Decodes a PNG to 8-bit pixels: one channel, RGB, or as stored (grey or RGB). */
export async function readPixels(file: string, channels: 1 | 3 | 'as-stored'): Promise<Pixels8> {
  let img = sharp(file, { failOn: 'error' });
  if (channels === 1) img = img.toColourspace('b-w').extractChannel(0);
  else if (channels === 3) img = img.removeAlpha().toColourspace('srgb');
  else {
    const meta = await sharp(file).metadata();
    img = (meta.channels ?? 3) <= 2 ? img.toColourspace('b-w').extractChannel(0) : img.removeAlpha().toColourspace('srgb');
  }
  const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
}

async function readSplitFile(file: string, layout: Layout): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => layout.parseLine(l) ?? l);
}

/**
 * Streams manifest.jsonl line by line (1-based line numbers, blank lines skipped): `row` is
 * undefined where a line is not valid JSON. Yields nothing when the tree has no manifest.
 */
export async function* manifestLines(root: string): AsyncGenerator<{ line: number; row?: ManifestRow }> {
  const file = path.join(root, 'manifest.jsonl');
  if (!(await stat(file).catch(() => undefined))?.isFile()) return;
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    try {
      yield { line, row: JSON.parse(text) as ManifestRow };
    } catch {
      yield { line };
    }
  }
}

/** The manifest rows `keep` accepts (the whole file is never held at once). */
export async function readManifest(root: string, keep: (row: ManifestRow) => boolean = () => true): Promise<ManifestRow[]> {
  const rows: ManifestRow[] = [];
  for await (const { line, row } of manifestLines(root)) {
    if (!row) throw new UsageError(`${path.join(root, 'manifest.jsonl')}:${line}: not valid JSON`);
    if (keep(row)) rows.push(row);
  }
  return rows;
}

function makeTask(root: string, id: string, layout: Layout, metadata: TaskRecord | undefined): MedBankTask {
  const dir = path.join(root, id);
  let manifestCache: Promise<Map<string, ManifestRow>> | undefined;
  // Split lines are data: a file they name is read only if it really is inside the tree (as the viewer does).
  let tree: Promise<Confinement> | undefined;
  const readInside = async (file: string, channels: 1 | 'as-stored'): Promise<Pixels8> => {
    const resolved = await (tree ??= confineTo(root)).then((c) => c.resolve(path.relative(root, file)));
    if ('refused' in resolved) throw new InputError(file, `refused: ${resolved.refused}`);
    return readPixels(resolved.file, channels);
  };
  const task: MedBankTask = {
    id,
    dir,
    layout,
    metadata,
    async splits() {
      const out = {} as Record<Split, string[]>;
      for (const s of SPLITS) out[s] = await readSplitFile(path.join(dir, splitFileName(s)), layout);
      return out;
    },
    manifest() {
      manifestCache ??= readManifest(root, (r) => r.task === id).then((rows) => new Map(rows.map((r) => [r.name, r])));
      return manifestCache;
    },
    async *samples(split?: Split) {
      const lists = await task.splits();
      const manifest = await task.manifest();
      for (const s of split ? [split] : SPLITS) {
        for (const file of lists[s]) {
          if (!isPlainName(file)) {
            throw new InputError(
              path.join(dir, splitFileName(s)),
              `line "${file}" is not a file name in ${layout.imageDir}/: it could name a file outside the tree`,
            );
          }
          const name = file.replace(/\.png$/i, '');
          const imagePath = path.join(dir, layout.imageDir, file);
          const maskPath = path.join(dir, layout.maskDir, file);
          yield {
            task: id,
            name,
            split: s,
            imagePath,
            maskPath,
            manifest: manifest.get(name),
            readImage: () => readInside(imagePath, 'as-stored'),
            readMask: () => readInside(maskPath, 1),
            readPrompts: async (options) => {
              const mask = await readInside(maskPath, 1);
              return maskPrompts(mask.data, mask.width, mask.height, options);
            },
          };
        }
      }
    },
  };
  return task;
}

export async function openMedBank(root: string): Promise<MedBank> {
  const dir = path.resolve(root);
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const record = await readFile(path.join(dir, 'medbank.json'), 'utf8')
    .then((t) => JSON.parse(t) as BuildRecord)
    .catch(() => undefined);
  const tasks: MedBankTask[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    for (const name of LAYOUTS) {
      const layout = layoutByName(name);
      if ((await stat(path.join(dir, entry.name, layout.imageDir)).catch(() => undefined))?.isDirectory()) {
        tasks.push(
          makeTask(
            dir,
            entry.name,
            layout,
            record?.tasks.find((t) => t.id === entry.name),
          ),
        );
        break;
      }
    }
  }
  return {
    root: dir,
    record,
    tasks,
    task(id) {
      const t = tasks.find((x) => x.id === id);
      if (!t) throw new UsageError(`no task ${id} in ${dir}; tasks: ${tasks.map((x) => x.id).join(', ')}`);
      return t;
    },
  };
}
