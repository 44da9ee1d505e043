/**
 * Tool and library versions recorded in every build (outputs depend on the encoder's version).
 * sharp is imported only when asked for: loading libvips costs the CLI's main thread about a
 * tenth of a second that a build or preprocess run would spend before its workers start.
 */
import { readFileSync } from 'node:fs';
import { pngEncoderName } from './io/image/png-write.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION = pkg.version;

export async function toolVersions(): Promise<{ name: string; version: string; sharp: string; libvips: string; pngEncoder: string }> {
  const { default: sharp } = await import('./io/image/sharp.js');
  return {
    name: 'medbank',
    version: VERSION,
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    pngEncoder: await pngEncoderName(),
  };
}
