/** Small built trees for the validate and stats tests: built once per test file from the fixtures, copied per test. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import sharp from 'sharp';
import { fixtureFor } from '../src/fixtures/registry.js';
import type { BuildOptions } from '../src/pipeline/build.js';
import type { ManifestRow } from '../src/contract/manifest.js';
import { encodePng, IMAGE_PNG, MASK_PNG } from '../src/io/image/png-write.js';
import { tempDir, buildWhole } from './helpers.js';

export const FIXTURE_SOURCES = ['BUSI', 'ISIC2018', 'Kvasir-SEG', 'CVC-ClinicDB'];

/** Writes raw fixtures of `sources` and builds them at 64×64; returns the tree and a cleanup. */
export async function buildFixtureTree(
  sources = FIXTURE_SOURCES,
  options: Partial<BuildOptions> = {},
): Promise<{ root: string; tree: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'medbank-tree-'));
  const raw = path.join(root, 'raw');
  for (const s of sources) await (await fixtureFor(s)).generate(raw);
  const tree = path.join(root, 'tree');
  await buildWhole({ raw, out: tree, size: 64, workers: 2, ...options });
  return { root, tree, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function copyTree(t: TestContext, tree: string): Promise<string> {
  const dir = path.join(await tempDir(t), 'tree');
  await cp(tree, dir, { recursive: true });
  return dir;
}

export async function writeManifestRows(tree: string, rows: ManifestRow[]): Promise<void> {
  await writeFile(path.join(tree, 'manifest.jsonl'), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

export async function splitLines(tree: string, task: string, split: string): Promise<string[]> {
  return (await readFile(path.join(tree, task, `${split}.txt`), 'utf8')).split('\n').filter(Boolean);
}

export async function writeSplitLines(tree: string, task: string, split: string, lines: string[]): Promise<void> {
  await writeFile(path.join(tree, task, `${split}.txt`), lines.map((l) => `${l}\n`).join(''));
}

export async function readPixels(file: string): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  // sharp hands one-band PNGs back as RGB unless asked for b-w.
  const grey = (await sharp(file).metadata()).channels === 1;
  const { data, info } = await (grey ? sharp(file).toColourspace('b-w') : sharp(file)).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

export async function writeRgb(file: string, data: Uint8Array, width: number, height: number): Promise<void> {
  await writeFile(file, await encodePng(data, width, height, 3, IMAGE_PNG));
}

export async function writeGrey(file: string, data: Uint8Array, width: number, height: number): Promise<void> {
  await writeFile(file, await encodePng(data, width, height, 1, MASK_PNG));
}
