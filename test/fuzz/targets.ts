/**
 * The readers MedBank wrote itself, as fuzz targets: valid seed inputs made by the fixture code,
 * and a read that resolves when the reader gave a usable result or its clear error (InputError,
 * or the deliberate plain `Error` of a byte-level decoder), and rejects with anything else: an
 * engine error (RangeError, TypeError...) escaping, or a result that contradicts itself.
 */
import { writeFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { InputError } from '../../src/errors.js';
import { decodeBmp, encodeBmp } from '../../src/io/image/bmp.js';
import { encodeNifti } from '../../src/io/volume/nifti-write.js';
import { readVolume } from '../../src/io/volume/read-volume.js';
import { parsePngHeader } from '../../src/io/image/png-header.js';
import { inspectImage, inspectMask } from '../../src/dataset/inspect.js';
import { texture } from '../../src/fixtures/draw.js';
import plantdoc from '../../src/catalog/sources/plantdoc.js';
import { scanSource } from '../../src/catalog/scan-source.js';
import type { Job2D } from '../../src/catalog/types.js';

export interface Seed {
  name: string;
  /** The bytes mutations apply to (uncompressed for a gzip seed). */
  bytes: Uint8Array;
  /** Gzip the mutated bytes before reading (then lie in the gzip trailer now and then). */
  gzip?: boolean;
  /** Recompute the CRC of every PNG chunk after mutating, so that the decoder gets past them. */
  pngCrc?: boolean;
}

export interface FuzzTarget {
  name: string;
  /** Where the length and size fields are: mutations favour these first bytes. */
  headerBytes: number;
  seeds(): Promise<Seed[]>;
  /** Reads `input` from files in the empty folder `dir`; rejects on anything but a result or a clear error. */
  read(input: Uint8Array, dir: string): Promise<void>;
}

/** A finding: what went wrong, as a message. */
export class FuzzFinding extends Error {
  override name = 'FuzzFinding';
}

/** Passes InputError (the project's clear error); anything else is a finding. */
function clearError(e: unknown): void {
  if (e instanceof InputError) return;
  throw new FuzzFinding(`${(e as Error)?.name ?? typeof e} escaped: ${(e as Error)?.message ?? String(e)}`);
}

async function readVolumeInput(input: Uint8Array, dir: string, name: string): Promise<void> {
  const file = path.join(dir, name);
  await writeFile(file, input);
  try {
    const v = await readVolume(file, name);
    const count = v.dims[0] * v.dims[1] * v.dims[2];
    if (v.data.length !== count) throw new FuzzFinding(`volume of ${v.dims.join('x')} has ${v.data.length} voxels`);
  } catch (e) {
    if (e instanceof FuzzFinding) throw e;
    clearError(e);
  }
}

function ramp(n: number, make: (n: number) => Int16Array | Uint8Array | Float32Array): Int16Array | Uint8Array | Float32Array {
  const a = make(n);
  for (let i = 0; i < n; i++) a[i] = (i * 37) % 251;
  return a;
}

const IDENTITY = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

const bmp: FuzzTarget = {
  name: 'bmp',
  headerBytes: 64,
  async seeds() {
    const grey = texture(9, 7, 1, 1);
    const rgb = texture(10, 6, 2, 3);
    return [
      { name: 'grey-8bit', bytes: encodeBmp(grey, 9, 7, 1) },
      { name: 'rgb-24bit', bytes: encodeBmp(rgb, 10, 6, 3) },
    ];
  },
  async read(input) {
    try {
      const img = decodeBmp(input);
      if (img.data.length !== img.width * img.height * 3)
        throw new FuzzFinding(`BMP of ${img.width}x${img.height} has ${img.data.length} bytes`);
    } catch (e) {
      // decodeBmp's own refusals are plain Errors that name the problem; the file readers wrap them.
      if (e instanceof FuzzFinding || (e as Error)?.constructor !== Error) clearError(e);
    }
  },
};

const nifti: FuzzTarget = {
  name: 'nifti',
  headerBytes: 352,
  async seeds() {
    const dims: [number, number, number] = [6, 5, 4];
    const spec = { dims, affine: IDENTITY, slope: 1, inter: 0 };
    return [
      { name: 'int16-le', bytes: encodeNifti({ ...spec, type: 'int16', data: ramp(120, (n) => new Int16Array(n)) }) },
      { name: 'uint8-be', bytes: encodeNifti({ ...spec, type: 'uint8', data: ramp(120, (n) => new Uint8Array(n)), littleEndian: false }) },
      { name: 'float32-v2', bytes: encodeNifti({ ...spec, type: 'float32', data: ramp(120, (n) => new Float32Array(n)), version: 2 }) },
      { name: 'int16-gz', bytes: encodeNifti({ ...spec, type: 'int16', data: ramp(120, (n) => new Int16Array(n)) }), gzip: true },
    ];
  },
  read: (input, dir) => readVolumeInput(input, dir, input[0] === 0x1f && input[1] === 0x8b ? 'fuzz.nii.gz' : 'fuzz.nii'),
};

function metaHeader(fields: string[]): string {
  return `${['ObjectType = Image', ...fields].join('\n')}\n`;
}

const metaimage: FuzzTarget = {
  name: 'metaimage',
  headerBytes: 256,
  async seeds() {
    const data = Buffer.from(ramp(60, (n) => new Uint8Array(n)).buffer);
    const shorts = Buffer.from(ramp(60, (n) => new Int16Array(n)).buffer);
    const common = [
      'BinaryData = True',
      'TransformMatrix = 1 0 0 0 1 0 0 0 1',
      'Offset = 0 0 0',
      'ElementSpacing = 1 1 2',
      'DimSize = 5 4 3',
    ];
    return [
      {
        name: 'mha-local-uchar',
        bytes: Buffer.concat([
          Buffer.from(metaHeader(['NDims = 3', ...common, 'ElementType = MET_UCHAR', 'ElementDataFile = LOCAL'])),
          data,
        ]),
      },
      {
        name: 'mha-local-short-msb-compressed',
        bytes: Buffer.concat([
          Buffer.from(
            metaHeader([
              'NDims = 3',
              ...common,
              'BinaryDataByteOrderMSB = True',
              'CompressedData = True',
              'ElementType = MET_SHORT',
              'ElementDataFile = LOCAL',
            ]),
          ),
          deflateSync(shorts),
        ]),
      },
      {
        name: 'mhd-detached-headersize',
        bytes: Buffer.from(
          metaHeader(['NDims = 3', ...common, 'HeaderSize = -1', 'ElementType = MET_UCHAR', 'ElementDataFile = fuzz.raw']),
        ),
      },
    ];
  },
  async read(input, dir) {
    // A detached header reads fuzz.raw beside it (a valid payload) or names another file.
    await writeFile(path.join(dir, 'fuzz.raw'), Buffer.from(ramp(60, (n) => new Uint8Array(n)).buffer));
    await readVolumeInput(input, dir, 'fuzz.mha');
  },
};

/** Rewrites each complete chunk's CRC, so that mutations reach the decoder behind the CRC check. */
export function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const b = Buffer.from(bytes);
  for (let at = 8; at + 12 <= b.length;) {
    const length = b.readUInt32BE(at);
    if (at + 12 + length > b.length) break;
    b.writeUInt32BE(crc32(b.subarray(at + 4, at + 8 + length)), at + 8 + length);
    at += 12 + length;
  }
  return new Uint8Array(b);
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const png: FuzzTarget = {
  name: 'png-inspect',
  headerBytes: 64,
  async seeds() {
    const raw = (channels: 1 | 3 | 4) => ({ raw: { width: 12, height: 9, channels } });
    const mask = new Uint8Array(12 * 9).map((_, i) => (i % 5 === 0 ? 255 : 0));
    return [
      {
        name: 'rgb',
        bytes: await sharp(texture(12, 9, 3, 3), raw(3))
          .png()
          .toBuffer(),
        pngCrc: true,
      },
      { name: 'grey-mask', bytes: await sharp(mask, raw(1)).png().toBuffer(), pngCrc: true },
      {
        name: 'palette',
        bytes: await sharp(texture(12, 9, 4, 3), raw(3))
          .png({ palette: true, colours: 4 })
          .toBuffer(),
        pngCrc: true,
      },
      {
        name: 'rgba-interlaced',
        bytes: await sharp(texture(12, 9, 5, 3), raw(3))
          .ensureAlpha()
          .png({ progressive: true })
          .toBuffer(),
      },
    ];
  },
  async read(input, dir) {
    const file = path.join(dir, 'fuzz.png');
    await writeFile(file, input);
    parsePngHeader(input);
    // inspect reports every problem in `error`; it must never throw.
    const wants = { imagePixels: true, imageHash: true, maskPixels: true, maskHash: true };
    try {
      const image = inspectImage(file, wants);
      const mask = inspectMask(file, wants);
      if (!mask.error && mask.width !== undefined && mask.values === undefined) throw new FuzzFinding('mask decoded without values');
      void image;
    } catch (e) {
      if (e instanceof FuzzFinding) throw e;
      throw new FuzzFinding(`inspect threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
  },
};

const VOC = `<annotation>
  <filename>leaf.jpg</filename>
  <size><width>640</width><height>480</height><depth>3</depth></size>
  <object><name>Tomato leaf</name><bndbox><xmin>12</xmin><ymin>30</ymin><xmax>200</xmax><ymax>310</ymax></bndbox></object>
  <object><name>Tomato leaf late blight</name><bndbox><xmin>300</xmin><ymin>40</ymin><xmax>620</xmax><ymax>470</ymax></bndbox></object>
</annotation>
`;
const CSV = `filename,width,height,class,xmin,ymin,xmax,ymax
leaf.jpg,640,480,Tomato leaf,12,30,200,310
leaf.jpg,640,480,Tomato leaf late blight,300,40,620,470
other%20leaf.jpg?w=640,640,480,Corn leaf,1,1,639,479
`;

/** PlantDoc's VOC and CSV parsing, through the adapter's scan of a one-photo source folder. */
function plantdocTarget(name: string, file: string): FuzzTarget {
  return {
    name,
    headerBytes: 200,
    async seeds() {
      return [{ name: file, bytes: Buffer.from(file.endsWith('.xml') ? VOC : CSV) }];
    },
    async read(input, dir) {
      const sourceDir = path.join(dir, 'PlantDoc');
      await rm(sourceDir, { recursive: true, force: true });
      await mkdir(path.join(sourceDir, 'TRAIN'), { recursive: true });
      await writeFile(path.join(sourceDir, 'TRAIN', 'leaf.jpg'), '');
      await writeFile(path.join(sourceDir, file), input);
      let result;
      try {
        result = await scanSource(plantdoc, { rawRoot: dir, options: {} });
      } catch (e) {
        throw new FuzzFinding(`scan threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
      }
      for (const job of result.jobs as Job2D[]) {
        for (const t of job.targets) {
          if (t.mask.kind !== 'boxes') continue;
          for (const box of t.mask.boxes)
            if (!box.every(Number.isFinite) || box[2] < box[0] || box[3] < box[1]) throw new FuzzFinding(`box ${JSON.stringify(box)} kept`);
        }
      }
    },
  };
}

export const TARGETS: FuzzTarget[] = [
  bmp,
  nifti,
  metaimage,
  png,
  plantdocTarget('plantdoc-voc', path.join('TRAIN', 'leaf.xml')),
  plantdocTarget('plantdoc-csv', 'train_labels.csv'),
];

/** Gzips a gzip seed's mutated bytes, and with `lie` writes a false size into the gzip trailer. */
export function finishInput(seed: Seed, mutated: Uint8Array, next: () => number): Uint8Array {
  if (seed.pngCrc && next() < 0.7) return fixPngCrcs(mutated);
  if (!seed.gzip) return mutated;
  const gz = gzipSync(mutated);
  const roll = next();
  if (roll < 0.15) gz.writeUInt32LE([0, 1, 0xffffffff, 0x7fffffff, gz.length][Math.floor(next() * 5)] >>> 0, gz.length - 4);
  else if (roll < 0.25) return new Uint8Array(gz.subarray(0, Math.floor(next() * gz.length)));
  return new Uint8Array(gz);
}
