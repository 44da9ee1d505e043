/** Inputs the fuzzer once found crashing a reader, kept as fixtures: a seed and the mutations that broke it. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../src/errors.js';
import { readVolume } from '../../src/io/volume/read-volume.js';
import plantdoc from '../../src/catalog/sources/plantdoc.js';
import { scanSource } from '../../src/catalog/scan-source.js';
import type { Job2D } from '../../src/catalog/types.js';
import type { Mutation } from './mutate.js';

export interface Regression {
  target: string;
  seed: string;
  mutations: Mutation[];
  pngCrc?: boolean;
  /** What went wrong before the fix. */
  what: string;
  /** Asserts the reader's answer now (its clear error, or its result). */
  check(input: Uint8Array, dir: string): Promise<void>;
}

export const REGRESSIONS: Regression[] = [
  {
    target: 'nifti',
    seed: 'float32-v2',
    // datatype (int16 at byte 12 of a NIfTI-2 header) 128, RGB: not one MedBank reads.
    mutations: [{ op: 'int16', at: 12, value: 128, littleEndian: true }],
    what: 'a NIfTI-2 file of an unsupported datatype raised "header.getDatatypeCodeString is not a function" (TypeError)',
    async check(input, dir) {
      const file = path.join(dir, 'regression.nii');
      await writeFile(file, input);
      await assert.rejects(
        readVolume(file, 'regression.nii'),
        (e) => e instanceof InputError && /unsupported NIfTI datatype 128 \(RGB\)/.test(e.message),
      );
    },
  },
  {
    target: 'plantdoc-csv',
    seed: 'train_labels.csv',
    // The first row's xmin and xmax both -1: a box left of the image.
    mutations: [
      { op: 'number', index: 2, value: '-1' },
      { op: 'number', index: 4, value: '-1' },
    ],
    what: 'a CSV box with xmin = xmax = -1 was kept as the box [0, 29, -1, 310]',
    async check(_input, dir) {
      // target.read left the one-photo PlantDoc folder with this CSV in `dir`.
      const { jobs, notes } = await scanSource(plantdoc, { rawRoot: dir, options: {} });
      const mask = (jobs[0] as Job2D).targets[0].mask;
      assert.deepEqual(mask.kind === 'boxes' && mask.boxes, [[299, 39, 620, 470]]);
      assert.ok(notes.includes('1 boxes with missing or inverted corners ignored'), notes.join('; '));
    },
  },
];
