/**
 * sharp, loaded through its CommonJS entry. Every worker thread loads sharp before its first job,
 * and Node 20's ES module loader takes about 2.5 times as long over sharp's ES module files:
 * about 240 ms against 90 ms per worker when two start together (measured on 2 cores).
 */
import { createRequire } from 'node:module';
import type Sharp from 'sharp';

const sharp = createRequire(import.meta.url)('sharp') as typeof Sharp;

export default sharp;
