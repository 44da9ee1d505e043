/**
 * medsam2: what MedSAM2's NPZRawDataset reads (CONSUMERS.md): `<split>/<case>.npz` with `imgs`
 * (D,H,W) uint8 and `gts` (D,H,W) uint8, one id per task, plus `spacing`, and `<split>.txt` listing
 * the cases. From a `--keep-3d` tree a case is a whole volume at its own resolution, its intensities
 * mapped by the same window or percentiles the tree's slices used (from the manifest), its labels
 * the tasks' NIfTI labels; everything else (2D images, slices without volumes) becomes a
 * single-frame case of the tree's grey image and masks. `labels.json` names the ids per source.
 */
import path from 'node:path';
import type { Split } from '../catalog/types.js';
import { compareText } from '../contract/order.js';
import { readPixels, type MedBankTask } from '../dataset/open.js';
import { InputError } from '../errors.js';
import { readVolume } from '../io/volume/read-volume.js';
import { sliceGeometry } from '../io/volume/orientation.js';
import type { Volume } from '../io/volume/volume.js';
import { rampGrey, windowBounds } from '../pipeline/convert/volume-intensity.js';
import { encodeNpz } from './npz.js';
import { readMask } from './pixels.js';
import type { ExportContext, ExportFormat } from './types.js';
import { catalogIndex, walkTree, type TreeSample } from './walker.js';

interface Case {
  name: string;
  source: string;
  split: Split;
  /** The volume (tree-relative) or undefined for a single frame. */
  volume?: string;
  samples: TreeSample[];
}

function sourceOf(s: TreeSample): string {
  return s.row?.source ?? s.task.metadata?.source ?? s.task.id;
}

/** The ramp ends of the intensity transform the tree recorded for a volume's slices. */
function greyBounds(s: TreeSample): { lo: number; hi: number } {
  const t = s.row!.intensity;
  if (t.kind === 'window') return windowBounds(t.level, t.width);
  if (t.kind === 'percentile-volume') return { lo: t.lowValue, hi: t.highValue };
  throw new InputError(s.imagePath, `intensity "${t.kind}" is not a volume transform`);
}

/** (D,H,W) of a volume laid out as the tree lays out its slices (columns to the patient's left, rows to posterior). */
function stack(volume: Volume, axis: string, value: (raw: number) => number): { data: Uint8Array; shape: number[] } {
  const g = sliceGeometry(volume, axis === 'axial' ? 'axial' : 'stack');
  const data = new Uint8Array(g.count * g.height * g.width);
  let i = 0;
  for (let k = 0; k < g.count; k++)
    for (let r = 0; r < g.height; r++)
      for (let c = 0; c < g.width; c++) data[i++] = value(volume.data[g.base + k * g.sliceStep + r * g.rowStep + c * g.colStep]);
  return { data, shape: [g.count, g.height, g.width] };
}

async function volumeCase(ctx: ExportContext, c: Case, ids: Map<string, number>): Promise<Uint8Array> {
  const root = ctx.tree.bank.root;
  const first = c.samples[0];
  const axis = first.row!.slice?.axis ?? 'axial';
  const imageFile = path.join(root, c.volume!);
  const image = await readVolume(imageFile, imageFile);
  const { lo, hi } = greyBounds(first);
  const imgs = stack(image, axis, (raw) => rampGrey(raw * image.slope + image.inter, lo, hi));
  const gts = new Uint8Array(imgs.data.length);
  const labelFiles = new Map(c.samples.map((s) => [s.task.id, String(s.row!.meta.volumeLabel)]));
  for (const [task, rel] of labelFiles) {
    const file = path.join(root, rel);
    const label = await readVolume(file, file);
    if (label.dims.join() !== image.dims.join())
      throw new InputError(file, `label grid ${label.dims.join('×')} differs from the image's ${image.dims.join('×')}`);
    const id = ids.get(task)!;
    const mask = stack(label, axis, (raw) => (raw ? id : 0));
    for (let i = 0; i < gts.length; i++) if (mask.data[i]) gts[i] = id;
  }
  const g = sliceGeometry(image, axis === 'axial' ? 'axial' : 'stack');
  return encodeNpz({
    imgs: { descr: '|u1', shape: imgs.shape, data: imgs.data },
    gts: { descr: '|u1', shape: imgs.shape, data: gts },
    spacing: { descr: '<f8', shape: [3], data: new Float64Array([g.spacing[2], g.spacing[1], g.spacing[0]]) },
  });
}

async function frameCase(c: Case, ids: Map<string, number>): Promise<Uint8Array> {
  const first = c.samples[0];
  const image = await readPixels(first.imagePath, 1).catch((e: Error) => {
    throw new InputError(first.imagePath, `image does not decode: ${e.message}`);
  });
  const gts = new Uint8Array(image.data.length);
  for (const s of c.samples) {
    const mask = await readMask(s.maskPath);
    if (mask.data.length !== gts.length) throw new InputError(s.maskPath, 'mask size differs from its image');
    const id = ids.get(s.task.id)!;
    for (let i = 0; i < gts.length; i++) if (mask.data[i]) gts[i] = id;
  }
  const shape = [1, image.height, image.width];
  const spacing = first.row?.spacing;
  return encodeNpz({
    imgs: { descr: '|u1', shape, data: image.data },
    gts: { descr: '|u1', shape, data: gts },
    spacing: { descr: '<f8', shape: [3], data: new Float64Array([spacing?.[2] ?? 1, spacing?.[1] ?? 1, spacing?.[0] ?? 1]) },
  });
}

const medsam2: ExportFormat = {
  name: 'medsam2',
  accepts: [],
  async run(ctx) {
    const cases = new Map<string, Case>();
    const tasksOf = new Map<string, MedBankTask[]>();
    for await (const s of walkTree(ctx.tree)) {
      const source = sourceOf(s);
      const volume = typeof s.row?.meta.volume === 'string' ? s.row.meta.volume : undefined;
      const name = volume ? path.basename(volume).replace(/\.nii\.gz$/, '') : s.name;
      const key = `${source}/${name}`;
      if (!cases.has(key)) cases.set(key, { name, source, split: s.split, volume, samples: [] });
      cases.get(key)!.samples.push(s);
      const tasks = tasksOf.get(source) ?? [];
      if (!tasks.includes(s.task)) tasksOf.set(source, [...tasks, s.task]);
    }
    const ids = new Map<string, number>();
    const labels: Record<string, Record<string, string>> = {};
    for (const [source, unordered] of tasksOf) {
      // Ids in catalog order, as nnunet --merge numbers its labels.
      const tasks = unordered.map((t, i) => ({ id: t.id, index: catalogIndex(t, i) })).sort((a, b) => a.index - b.index);
      if (tasks.length > 255) throw new InputError(source, 'more than 255 tasks do not fit uint8 ids');
      labels[source] = Object.fromEntries(tasks.map((t, i) => [String(i + 1), t.id]));
      tasks.forEach((t, i) => ids.set(t.id, i + 1));
    }
    const lists: Record<Split, string[]> = { train: [], val: [], test: [] };
    const taken = new Set<string>();
    for (const c of [...cases.values()].sort((a, b) => compareText(a.name, b.name))) {
      let file = c.name;
      for (let n = 2; taken.has(`${c.split}/${file}`); n++) file = `${c.name}_${n}`;
      taken.add(`${c.split}/${file}`);
      await ctx.settle(c.samples, async () => {
        const other = c.samples.find((s) => s.split !== c.split);
        if (other) throw new InputError(other.imagePath, `case ${c.name} is in ${c.split} and ${other.split}`);
        await ctx.out.write(`${c.split}/${file}.npz`, () => (c.volume ? volumeCase(ctx, c, ids) : frameCase(c, ids)));
        lists[c.split].push(file);
      });
    }
    for (const split of ctx.tree.splits) await ctx.out.replace(`${split}.txt`, lists[split].map((n) => `${n}\n`).join(''));
    await ctx.out.replace('labels.json', `${JSON.stringify(labels, null, 2)}\n`);
    const volumes = [...cases.values()].filter((c) => c.volume).length;
    if (!volumes) ctx.note('no NIfTI volumes in the tree (built without --keep-3d, or no manifest): every case is a single frame');
    return { cases: cases.size, volumes, frames: cases.size - volumes, labels };
  },
};

export default medsam2;
