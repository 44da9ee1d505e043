/** Tool and library versions recorded in every build (outputs depend on the encoder's version). */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { pngEncoderName } from './io/png-write.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION = pkg.version;

export function toolVersions(): { name: string; version: string; sharp: string; libvips: string; pngEncoder: string } {
  return {
    name: 'medbank',
    version: VERSION,
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    pngEncoder: pngEncoderName(),
  };
}
