/** Inputs the fuzzer once found crashing a reader, kept as fixtures: a seed and the mutations that broke it. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../src/errors.js';
import { readVolume } from '../../src/io/read-volume.js';
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
];
