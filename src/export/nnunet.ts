/**
 * nnunet: nnU-Net v2 raw datasets (CONSUMERS.md). One `DatasetNNN_<Task>` per task, or with
 * `--merge` one per source whose tasks come from one label volume (same slice names and image
 * hashes across its tasks, from the manifest). Training cases are MedBank's train and val, and
 * `splits_final.json` holds them as fold 0, so nnU-Net trains on the same patients; test cases go
 * to imagesTs (and labelsTs, for evaluation). Labels are 0/1..n, never 255. Where the tree holds
 * NIfTI volumes (`--keep-3d`) a task becomes a 3D dataset of them unless `--slices`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Split } from '../catalog/types.js';
import { compareText } from '../contract/order.js';
import type { MedBankTask } from '../dataset/open.js';
import { InputError, UsageError } from '../errors.js';
import { encodeNifti } from '../io/volume/nifti-write.js';
import { readVolume } from '../io/volume/read-volume.js';
import { greyPng, readMask } from './pixels.js';
import type { ExportContext, ExportFormat } from './types.js';
import { catalogIndex, requireManifest, walkTree, type TreeSample } from './walker.js';

interface Part {
  sample: TreeSample;
  /** Label value of the part's task in the dataset. */
  label: number;
}

interface Case {
  name: string;
  parts: Part[];
}

interface Dataset {
  folder: string;
  /** Tasks in label order (label = index + 1). */
  tasks: MedBankTask[];
  volumes: boolean;
  cases: Map<string, Case>;
}

function caseOf(s: TreeSample, volumes: boolean): string {
  return volumes ? path.basename(String(s.row!.meta.volume)).replace(/\.nii\.gz$/, '') : s.name;
}

/** Why the tasks of one source cannot share a label map, or undefined if they can. */
function mergeObstacle(samples: TreeSample[]): string | undefined {
  const imageOf = new Map<string, string>();
  for (const s of samples) {
    if (!s.row) return `${s.task.id}/${s.name} has no manifest row`;
    if (!s.row.slice) return 'its samples are 2D images, not slices of one volume';
    const earlier = imageOf.get(s.name);
    if (earlier !== undefined && earlier !== s.row.sha256.image) return `${s.name} differs between its tasks`;
    imageOf.set(s.name, s.row.sha256.image);
  }
  return undefined;
}

async function planDatasets(ctx: ExportContext): Promise<Dataset[]> {
  const byTask = new Map<string, TreeSample[]>(ctx.tree.tasks.map((t) => [t.id, []]));
  for await (const s of walkTree(ctx.tree)) byTask.get(s.task.id)!.push(s);
  const keep3d = Boolean(ctx.tree.bank.record?.options.keep3d) && !ctx.options.slices;
  const hasVolumes = (samples: TreeSample[]) =>
    keep3d && samples.length > 0 && samples.every((s) => typeof s.row?.meta.volume === 'string');
  if (keep3d && !ctx.tree.manifest.present) ctx.note('the tree has NIfTI volumes but no manifest to find them: exporting 2D slices');

  const groups: MedBankTask[][] = [];
  if (ctx.options.merge) {
    requireManifest(ctx.tree, 'nnunet --merge');
    const bySource = new Map<string, MedBankTask[]>();
    for (const task of ctx.tree.tasks) {
      const source = task.metadata?.source ?? byTask.get(task.id)![0]?.row?.source ?? task.id;
      bySource.set(source, [...(bySource.get(source) ?? []), task]);
    }
    for (const [source, tasks] of bySource) {
      const obstacle = tasks.length > 1 ? mergeObstacle(tasks.flatMap((t) => byTask.get(t.id)!)) : undefined;
      if (obstacle) ctx.note(`--merge: ${source} stays one dataset per task: ${obstacle}`);
      if (obstacle || tasks.length === 1) groups.push(...tasks.map((t) => [t]));
      else groups.push(tasks);
    }
  } else groups.push(...ctx.tree.tasks.map((t) => [t]));

  const used = new Set<number>();
  return groups.map((tasks, order) => {
    tasks.sort((a, b) => catalogIndex(a, 0) - catalogIndex(b, 0) || compareText(a.id, b.id));
    const samples = tasks.flatMap((t) => byTask.get(t.id)!);
    const volumes = tasks.every((t) => hasVolumes(byTask.get(t.id)!));
    const id = ctx.options.datasetId + catalogIndex(tasks[0], order);
    if (id > 999 || used.has(id)) throw new UsageError(`nnunet: dataset id ${id} is taken or above 999: choose another --dataset-id`);
    used.add(id);
    const title = tasks.length > 1 ? (tasks[0].metadata?.source ?? samples[0].row!.source) : tasks[0].id;
    const cases = new Map<string, Case>();
    for (const s of samples) {
      const name = caseOf(s, volumes);
      if (!cases.has(name)) cases.set(name, { name, parts: [] });
      cases.get(name)!.parts.push({ sample: s, label: tasks.indexOf(s.task) + 1 });
    }
    return { folder: `Dataset${String(id).padStart(3, '0')}_${title.replace(/[^A-Za-z0-9_-]/g, '_')}`, tasks, volumes, cases };
  });
}

/** One label map of every part (the later task wins where two claim a pixel; counted). */
async function mergedPngLabel(parts: Part[]): Promise<{ bytes: Buffer; overlap: number }> {
  let out: Uint8Array | undefined;
  let size = { width: 0, height: 0 };
  let overlap = 0;
  for (const { sample, label } of parts) {
    const mask = await readMask(sample.maskPath);
    if (!out) {
      out = new Uint8Array(mask.data.length);
      size = mask;
    } else if (mask.width !== size.width || mask.height !== size.height)
      throw new InputError(sample.maskPath, 'mask size differs from the other tasks of its image');
    for (let i = 0; i < out.length; i++)
      if (mask.data[i]) {
        if (out[i]) overlap++;
        out[i] = label;
      }
  }
  return { bytes: await greyPng(out!, size.width, size.height), overlap };
}

async function mergedNiftiLabel(root: string, parts: Part[]): Promise<{ bytes: Buffer; overlap: number }> {
  const byLabel = new Map(parts.map((p) => [p.label, String(p.sample.row!.meta.volumeLabel)]));
  let out: { data: Uint8Array; dims: [number, number, number]; affine: number[][] } | undefined;
  let overlap = 0;
  for (const [label, rel] of byLabel) {
    const file = path.join(root, rel);
    const v = await readVolume(file, file);
    if (!out) out = { data: new Uint8Array(v.data.length), dims: v.dims, affine: v.affine };
    else if (v.dims.join() !== out.dims.join())
      throw new InputError(file, `grid ${v.dims.join('×')} differs from the other tasks' ${out.dims.join('×')}`);
    for (let i = 0; i < out.data.length; i++)
      if (v.data[i]) {
        if (out.data[i]) overlap++;
        out.data[i] = label;
      }
  }
  return { bytes: encodeNifti({ dims: out!.dims, affine: out!.affine, data: out!.data, type: 'uint8', gzip: true }), overlap };
}

function sideOf(split: Split): 'Tr' | 'Ts' {
  return split === 'test' ? 'Ts' : 'Tr';
}

async function writeCase(ctx: ExportContext, ds: Dataset, c: Case): Promise<number> {
  const first = c.parts[0].sample;
  const side = sideOf(first.split);
  const other = c.parts.find((p) => p.sample.split !== first.split);
  if (other)
    throw new InputError(
      first.imagePath,
      `case ${c.name} is in ${first.split} (${first.task.id}) and ${other.sample.split} (${other.sample.task.id})`,
    );
  const root = ctx.tree.bank.root;
  const ending = ds.volumes ? '.nii.gz' : '.png';
  const image = ds.volumes ? path.join(root, String(first.row!.meta.volume)) : first.imagePath;
  await ctx.out.place(image, `${ds.folder}/images${side}/${c.name}_0000${ending}`);
  const labelRel = `${ds.folder}/labels${side}/${c.name}${ending}`;
  let overlap = 0;
  if (ds.volumes && ds.tasks.length === 1) await ctx.out.place(path.join(root, String(first.row!.meta.volumeLabel)), labelRel);
  else
    await ctx.out.write(labelRel, async () => {
      const merged = ds.volumes ? await mergedNiftiLabel(root, c.parts) : await mergedPngLabel(c.parts);
      overlap = merged.overlap;
      return merged.bytes;
    });
  return overlap;
}

async function channelNames(ctx: ExportContext, ds: Dataset): Promise<Record<string, string>> {
  if (ds.volumes) return { 0: ds.tasks[0].metadata?.modalityCode === 'CT' ? 'CT' : 'MRI' };
  const first = [...ds.cases.values()][0]?.parts[0].sample;
  const grey = ctx.tree.bank.record?.options.grey ?? (first ? (await readFile(first.imagePath)).readUInt8(25) === 0 : false);
  return grey ? { 0: 'grey' } : { 0: 'R', 1: 'G', 2: 'B' };
}

const nnunet: ExportFormat = {
  name: 'nnunet',
  accepts: ['merge', 'slices', 'datasetId'],
  async run(ctx) {
    const datasets = await planDatasets(ctx);
    const summary: Record<string, unknown>[] = [];
    for (const ds of datasets) {
      const written: Record<Split, string[]> = { train: [], val: [], test: [] };
      let overlap = 0;
      for (const c of [...ds.cases.values()].sort((a, b) => compareText(a.name, b.name)))
        await ctx.settle(
          c.parts.map((p) => p.sample),
          async () => {
            overlap += await writeCase(ctx, ds, c);
            written[c.parts[0].sample.split].push(c.name);
          },
        );
      if (overlap) ctx.note(`${ds.folder}: ${overlap} pixels belong to two tasks; each went to the later task's label`);
      const labels: Record<string, number> = { background: 0 };
      ds.tasks.forEach((t, i) => (labels[ds.tasks.length > 1 ? t.id : (t.metadata?.structure ?? t.id)] = i + 1));
      const numTraining = written.train.length + written.val.length;
      const datasetJson = {
        name: ds.folder.replace(/^Dataset\d+_/, ''),
        description: `MedBank export of ${ds.tasks.map((t) => t.id).join(', ')}`,
        channel_names: await channelNames(ctx, ds),
        labels,
        numTraining,
        file_ending: ds.volumes ? '.nii.gz' : '.png',
        ...(ds.volumes ? {} : { overwrite_image_reader_writer: 'NaturalImage2DIO' }),
        licence: [...new Set(ds.tasks.map((t) => t.metadata?.license.text ?? 'see the source tree'))].join('; '),
      };
      await ctx.out.replace(`${ds.folder}/dataset.json`, `${JSON.stringify(datasetJson, null, 2)}\n`);
      await ctx.out.replace(`${ds.folder}/splits_final.json`, `${JSON.stringify([{ train: written.train, val: written.val }], null, 2)}\n`);
      if (numTraining && !written.val.length) ctx.note(`${ds.folder}: MedBank has no val samples for it, so fold 0 has an empty val list`);
      summary.push({
        dataset: ds.folder,
        tasks: ds.tasks.map((t) => t.id),
        dims: ds.volumes ? 3 : 2,
        numTraining,
        test: written.test.length,
      });
    }
    return { datasets: summary };
  },
};

export default nnunet;
