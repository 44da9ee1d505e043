/**
 * What the viewer knows about one tree: its tasks (via the library API), split lists indexed by
 * sample name for paging and neighbours, manifest rows by random access, and the real path of a
 * sample's image or mask (confined to the tree). Indexes are rebuilt when their files change, so
 * a tree rebuilt under a running viewer is picked up.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from '../io/image/sharp.js';
import { SPLITS, type Split } from '../catalog/types.js';
import { splitFileName } from '../contract/layout.js';
import { indexManifest, type ManifestIndex } from '../dataset/manifest-index.js';
import { openMedBank, type MedBank, type MedBankTask } from '../dataset/open.js';
import type { SampleDetail, SamplePage, SplitFilter, TaskSummary, TreeSummary } from './api-types.js';
import { confineTo, type Confinement } from './safe-path.js';

interface SplitIndex {
  /** Sample names per split, in split-file order. */
  names: Record<Split, string[]>;
  byName: Map<string, { split: Split; file: string; index: number }>;
}

export type FileKind = 'image' | 'mask';

/** Size and modification time of each file, as a cache key ('' for a missing file). */
async function fileStamp(files: string[]): Promise<string> {
  const stats = await Promise.all(files.map((f) => stat(f).catch(() => undefined)));
  return stats.map((s) => (s ? `${s.size}:${s.mtimeMs}` : '')).join('|');
}

function stem(file: string): string {
  return file.replace(/\.png$/i, '');
}

function filterLists(index: SplitIndex, filter: SplitFilter): string[][] {
  return filter === 'all' ? SPLITS.map((s) => index.names[s]) : [index.names[filter]];
}

function filterLength(index: SplitIndex, filter: SplitFilter): number {
  return filterLists(index, filter).reduce((n, names) => n + names.length, 0);
}

/** The name at position `i` of the filtered list (all splits concatenated in train, val, test order). */
function nameAt(index: SplitIndex, filter: SplitFilter, i: number): string | undefined {
  for (const names of filterLists(index, filter)) {
    if (i < names.length) return names[i];
    i -= names.length;
  }
  return undefined;
}

export class TreeService {
  private bank!: MedBank;
  private readonly splitIndexes = new Map<string, { stamp: string; index: SplitIndex }>();
  private manifest?: { stamp: string; index: Promise<ManifestIndex> };

  private constructor(
    readonly root: string,
    readonly confinement: Confinement,
    private readonly showPath: boolean,
  ) {}

  /** `showPath`: the summary gives the page the tree's absolute path, not only its folder name. */
  static async open(root: string, showPath = false): Promise<TreeService> {
    const bank = await openMedBank(root);
    const service = new TreeService(bank.root, await confineTo(bank.root), showPath);
    service.bank = bank;
    return service;
  }

  /** Rereads the task folders and medbank.json (a new build may have added tasks). */
  async refresh(): Promise<void> {
    this.bank = await openMedBank(this.confinement.root);
  }

  task(id: string): MedBankTask | undefined {
    return this.bank.tasks.find((t) => t.id === id);
  }

  private async manifestIndex(): Promise<ManifestIndex> {
    const stamp = await fileStamp([path.join(this.confinement.root, 'manifest.jsonl')]);
    if (this.manifest?.stamp !== stamp) this.manifest = { stamp, index: indexManifest(this.confinement.root) };
    return this.manifest.index;
  }

  async splitIndex(task: MedBankTask): Promise<SplitIndex> {
    const stamp = await fileStamp(SPLITS.map((s) => path.join(task.dir, splitFileName(s))));
    const cached = this.splitIndexes.get(task.id);
    if (cached?.stamp === stamp) return cached.index;
    const files = await task.splits();
    const index: SplitIndex = { names: { train: [], val: [], test: [] }, byName: new Map() };
    for (const split of SPLITS) {
      for (const file of files[split]) {
        const name = stem(file);
        if (index.byName.has(name)) continue;
        index.byName.set(name, { split, file, index: index.names[split].length });
        index.names[split].push(name);
      }
    }
    this.splitIndexes.set(task.id, { stamp, index });
    return index;
  }

  async summary(): Promise<TreeSummary> {
    await this.refresh();
    const tasks: TaskSummary[] = [];
    const manifest = await this.manifestIndex();
    for (const task of this.bank.tasks) {
      const index = await this.splitIndex(task);
      const counts = { train: index.names.train.length, val: index.names.val.length, test: index.names.test.length, total: 0 };
      counts.total = counts.train + counts.val + counts.test;
      const cover = SPLITS.map((s) => index.names[s][0]).find(Boolean);
      const meta = task.metadata;
      tasks.push({
        id: task.id,
        layout: task.layout.name,
        source: meta?.source ?? (cover ? (await manifest.row(task.id, cover))?.source : undefined),
        modality: meta?.modality,
        anatomy: meta?.anatomy,
        license: meta ? (meta.license.spdx ?? meta.license.text) : undefined,
        counts,
        cover,
      });
    }
    return {
      name: path.basename(this.root),
      ...(this.showPath ? { root: this.root } : {}),
      hasManifest: manifest.present,
      hasRecord: Boolean(this.bank.record),
      tasks,
    };
  }

  async page(task: MedBankTask, filter: SplitFilter, offset: number, limit: number): Promise<SamplePage> {
    const index = await this.splitIndex(task);
    const total = filterLength(index, filter);
    const items: SamplePage['items'] = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++) {
      const name = nameAt(index, filter, i)!;
      items.push({ name, split: index.byName.get(name)!.split });
    }
    return { task: task.id, split: filter, offset, limit, total, items };
  }

  /** The real path of a listed sample's image or mask inside the tree, or undefined. */
  async sampleFile(task: MedBankTask, name: string, kind: FileKind): Promise<string | undefined> {
    const entry = (await this.splitIndex(task)).byName.get(name);
    if (!entry) return undefined;
    const folder = kind === 'image' ? task.layout.imageDir : task.layout.maskDir;
    return this.confinement.file(path.join(task.id, folder, entry.file));
  }

  async detail(task: MedBankTask, name: string, requested: SplitFilter): Promise<SampleDetail | undefined> {
    const index = await this.splitIndex(task);
    const entry = index.byName.get(name);
    const image = await this.sampleFile(task, name, 'image');
    const mask = await this.sampleFile(task, name, 'mask');
    if (!entry || !image || !mask) return undefined;
    // A deep link may name a split the sample is not in: its own split is the list to walk then.
    const filter = requested === 'all' || requested === entry.split ? requested : entry.split;
    let position = entry.index;
    if (filter === 'all') for (const s of SPLITS.slice(0, SPLITS.indexOf(entry.split))) position += index.names[s].length;
    const total = filterLength(index, filter);
    const manifest = await (await this.manifestIndex()).row(task.id, name);
    const { width = 0, height = 0 } = await sharp(image).metadata();
    const measured = manifest ? undefined : await measureMask(mask);
    return {
      task: task.id,
      name,
      split: entry.split,
      position: {
        filter,
        index: position,
        total,
        previous: position > 0 ? nameAt(index, filter, position - 1) : undefined,
        next: position + 1 < total ? nameAt(index, filter, position + 1) : undefined,
      },
      manifest,
      bbox: manifest ? manifest.bbox : measured!.bbox,
      foreground: manifest ? manifest.foreground : measured!.foreground,
      bboxFrom: manifest ? 'manifest' : 'mask',
      width,
      height,
    };
  }
}

/** Foreground pixel count and inclusive bounding box of a mask (any non-zero value is foreground). */
async function measureMask(file: string): Promise<{ foreground: number; bbox: [number, number, number, number] | null }> {
  const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  let foreground = 0;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (!data[y * info.width + x]) continue;
      foreground++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return { foreground, bbox: foreground ? [x0, y0, x1, y1] : null };
}
