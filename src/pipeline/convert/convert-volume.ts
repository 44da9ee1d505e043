/**
 * Converts one volumetric case (DESIGN.md §5): read the image and label volumes (one at a time per
 * worker; voxels stay in the inflated file buffer), lay every slice out in the radiological
 * convention through strides, keep the slices whose task mask is non-empty (or a seeded share of
 * the others), map intensities to grey (CT window or volume percentiles), resize, encode, write.
 * With --keep-3d, the case is also written reoriented to RAS+ as NIfTI, with one 0/1 label per task.
 */
import path from 'node:path';
import type { JobVolume, VolumeIntensity } from '../../catalog/types.js';
import { InputError } from '../../errors.js';
import type { ConvertedRow } from '../../contract/manifest.js';
import { openVolume } from '../../io/volume/read-volume.js';
import { reserveBytes } from '../../io/volume/byte-budget.js';
import { allocLike, sampleTypeOf, type Volume } from '../../io/volume/volume.js';
import { sliceGeometry, toClosestCanonical } from '../../io/volume/orientation.js';
import { encodeNifti } from '../../io/volume/nifti-write.js';
import { contentBox, greyToRgb, padToSquare, resampleImage } from '../../io/image/resize.js';
import { encodePng, GREY_SLICE_PNG, MASK_PNG, RGB_SLICE_PNG } from '../../io/image/png-write.js';
import { sha256 } from '../../io/files/atomic.js';
import { toOutputMask, type OutputMask } from './masks.js';
import { greySampler, labelSampler, resolveIntensity, type GreyMap, type PlaneAt, type PlaneSampler } from './volume-intensity.js';
import { keepsEmpty, type ConvertOptions, type HashedFile, type JobOutcome, type SmallObjectCounts, writeSample } from './outcome.js';
import { dropSmallObjects } from './small-objects.js';
import { writeLinked } from '../../io/files/linked-write.js';
import { linkStoreDir } from '../plan/tree-state.js';

const AXIS_NAME = { axial: 'axial', stack: 'short-axis', frame: 'frame' } as const;

/** Slices whose PNGs may be encoding while the next slice is prepared. */
const SLICES_IN_FLIGHT = 2;

/**
 * With `budget` (the build's shared byte budget), the job reserves what both headers promise
 * before it inflates either, and holds it until its slices are written.
 */
export async function convertVolume(job: JobVolume, opts: ConvertOptions, budget?: SharedArrayBuffer): Promise<JobOutcome> {
  // Paths a header names (a MetaImage data file) must stay inside the job's source folder.
  const read = { limits: opts.limits, root: path.join(opts.rawRoot, job.image.split(/[/\\]/)[0]) };
  const imageFile = await openVolume(path.join(opts.rawRoot, job.image), job.image, read);
  const labelFile = await openVolume(path.join(opts.rawRoot, job.label), job.label, read);
  const release = budget ? await reserveBytes(budget, imageFile.bytes + labelFile.bytes) : undefined;
  try {
    return await convertRead(job, opts, await imageFile.read(), await labelFile.read());
  } finally {
    release?.();
  }
}

async function convertRead(job: JobVolume, opts: ConvertOptions, image: Volume, label: Volume): Promise<JobOutcome> {
  if (label.dims.some((n, k) => n !== image.dims[k])) {
    throw new InputError(job.label, `label grid ${label.dims.join('x')} differs from its image ${job.image} (${image.dims.join('x')})`);
  }
  // Labels are read on the image's voxel grid (as the challenges score them); a differing header is recorded.
  const labelAffineDiffers = label.affine.some((row, r) => row.some((v, c) => Math.abs(v - image.affine[r][c]) > 1e-3 * (1 + Math.abs(v))));
  const geo = sliceGeometry(image, job.slicing);
  if (job.slicing === 'frame' && geo.count !== 1) throw new InputError(job.image, `expected one 2D frame, found ${geo.count} slices`);

  const { width, height } = geo;
  const box = contentBox(width, height, opts.size, opts.resize);
  const channels = opts.grey ? 1 : 3;
  const labelSamplers = new Map(job.targets.map((t) => [t.task, labelSampler(label, t.labels)]));
  const greyMaps = new Map<string, { map: GreyMap; sample: PlaneSampler }>();
  const greyMap = (intensity: VolumeIntensity) => {
    const key = JSON.stringify(intensity);
    let found = greyMaps.get(key);
    if (!found) {
      const map = resolveIntensity(image, intensity);
      found = { map, sample: greySampler(image, map) };
      greyMaps.set(key, found);
    }
    return found;
  };

  /** Writes one slice's image and masks; its rows come back in target order. */
  const emitSlice = async (
    k: number,
    name: string,
    at: PlaneAt,
    kept: { task: string; intensity: VolumeIntensity; mask: OutputMask }[],
  ) => {
    const rows: ConvertedRow[] = [];
    const encodedImages = new Map<GreyMap, HashedFile>();
    for (const { task, intensity, mask } of kept) {
      const { map, sample } = greyMap(intensity);
      let encoded = encodedImages.get(map);
      if (!encoded) {
        const grey = plane();
        sample(at, grey);
        // Grey slices are resized as one channel and repeated to RGB afterwards: same pixels, a third of the work.
        const resizedGrey = await resampleImage({ pixels: grey, width, height, channels: 1 }, { width, height }, box.width, box.height, 1);
        const resized = channels === 3 ? greyToRgb(resizedGrey) : resizedGrey;
        const png = await encodePng(
          padToSquare(resized, box.width, box.height, channels, opts.size),
          opts.size,
          opts.size,
          channels,
          opts.grey ? GREY_SLICE_PNG : RGB_SLICE_PNG,
        );
        encoded = { bytes: png, hash: sha256(png) };
        encodedImages.set(map, encoded);
      }
      const maskPng = await encodePng(mask.pixels, opts.size, opts.size, 1, MASK_PNG);
      const maskFile = { bytes: maskPng, hash: sha256(maskPng) };
      const paths = await writeSample(opts, task, name, encoded, maskFile);
      rows.push({
        task,
        name,
        image: paths.image,
        mask: paths.mask,
        source: job.source,
        raw: [job.image, job.label],
        group: job.group,
        slice: job.slicing === 'frame' ? null : { index: k, axis: AXIS_NAME[job.slicing] },
        original: { width, height },
        spacing: geo.spacing,
        intensity: map.record,
        ...(intensity.kind === 'window' ? { window: { level: intensity.level, width: intensity.width } } : {}),
        resize: { size: opts.size, mode: opts.resize, content: box },
        foreground: mask.foreground,
        bbox: mask.bbox,
        annotation: 'pixel',
        sha256: { image: encoded.hash, mask: maskFile.hash },
        meta: {
          ...job.meta,
          ...(job.slicing === 'frame' ? {} : { rawAxis: geo.sliceAxis, slices: geo.count }),
          ...(labelAffineDiffers ? { labelAffineDiffers: true } : {}),
        },
        ...(job.split ? { splitHint: job.split } : {}),
      });
    }
    return rows;
  };

  const slices: Promise<ConvertedRow[]>[] = [];
  let settled = 0;
  const skippedByTask: Record<string, number> = {};
  const smallObjects: Record<string, SmallObjectCounts> = {};
  const plane = (): Uint8Array => new Uint8Array(width * height);
  for (let k = 0; k < geo.count; k++) {
    const at: PlaneAt = { base: geo.base + k * geo.sliceStep, rowStep: geo.rowStep, colStep: geo.colStep, width, height };
    const name = job.slicing === 'frame' ? job.name : `${job.name}_slice_${String(k).padStart(4, '0')}`;
    const kept: { task: string; intensity: VolumeIntensity; mask: OutputMask }[] = [];
    for (const target of job.targets) {
      const raw = plane();
      // A slice empty at raw resolution stays empty after resizing: no need to resize it to know.
      let rawForeground = labelSamplers.get(target.task)!(at, raw);
      if (opts.minArea && rawForeground > 0)
        rawForeground = dropSmallObjects(smallObjects, target.task, raw, width, opts.minArea, rawForeground);
      const mask = rawForeground > 0 ? toOutputMask(raw, width, height, box, opts.size) : undefined;
      if (!mask?.foreground && !keepsEmpty(opts, target.task, name)) {
        skippedByTask[target.task] = (skippedByTask[target.task] ?? 0) + 1;
        continue;
      }
      kept.push({ task: target.task, intensity: target.intensity, mask: mask ?? toOutputMask(raw, width, height, box, opts.size) });
    }
    if (kept.length === 0) continue;
    const slice = emitSlice(k, name, at, kept);
    slice.catch(() => undefined); // awaited below; this only stops an early failure counting as unhandled
    slices.push(slice);
    // A few slices in flight: PNG encoding (libuv threads) overlaps sampling and resizing the next one.
    if (slices.length - settled > SLICES_IN_FLIGHT) await slices[settled++];
  }
  const rows = (await Promise.all(slices)).flat();
  if (opts.keep3d && job.slicing !== 'frame' && rows.length > 0) await writeVolumes(job, opts, image, label, rows);
  return { rows, skippedByTask, ...(opts.minArea ? { smallObjects } : {}) };
}

/**
 * --keep-3d: the image reoriented to RAS+ (samples and scaling unchanged) once per case, in every
 * task folder that kept slices of it (one file on disk unless --no-links), and each task's label as
 * 0/1 uint8 on the same grid.
 */
async function writeVolumes(job: JobVolume, opts: ConvertOptions, image: Volume, label: Volume, rows: ConvertedRow[]): Promise<void> {
  const taskIds = [...new Set(rows.map((r) => r.task))];
  const data = allocLike(image.data, image.data.length);
  const canonical = toClosestCanonical(image, data);
  const imageBytes = encodeNifti({ ...canonical, data, type: sampleTypeOf(data), slope: image.slope, inter: image.inter, gzip: true });
  const imageHash = sha256(imageBytes);
  const store = linkStoreDir(opts.outDir, opts.links);
  const file = `${job.name}.nii.gz`;
  for (const task of taskIds) {
    await writeLinked(path.join(opts.outDir, task, 'volumes', 'images', file), imageBytes, imageHash, store);
    const labels = new Set(job.targets.find((t) => t.task === task)!.labels);
    const binary = new Uint8Array(label.data.length);
    const { slope, inter } = label;
    const grid = toClosestCanonical(label, binary, (raw) => (labels.has(Math.round(raw * slope + inter)) ? 1 : 0));
    const labelBytes = encodeNifti({ dims: grid.dims, affine: canonical.affine, data: binary, type: 'uint8', gzip: true });
    await writeLinked(path.join(opts.outDir, task, 'volumes', 'labels', file), labelBytes, sha256(labelBytes), store);
  }
  for (const row of rows) {
    row.meta.volume = `${row.task}/volumes/images/${file}`;
    row.meta.volumeLabel = `${row.task}/volumes/labels/${file}`;
  }
}
