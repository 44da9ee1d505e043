/** Helpers for the per-source tests: build a fixture tree, compare masks with Pillow. */
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fixtureFor } from '../src/fixtures/registry.js';
import type { BuildOptions } from '../src/pipeline/build.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import type { ManifestRow } from '../src/contract/manifest.js';
import { python, tempDir, buildWhole } from './helpers.js';
import { readManifest } from '../src/dataset/open.js';

export interface Built {
  raw: string;
  out: string;
  expected: Record<string, number>;
  record: BuildRecord;
  rows: ManifestRow[];
}

/** Generates a source's fixture (one variant) and builds it alone, small and single-worker. */
export async function buildFixture(
  t: TestContext,
  source: string,
  opts: { variant?: string; size?: number } & Partial<BuildOptions> = {},
): Promise<Built> {
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  const expected = await (await fixtureFor(source)).generate(raw, opts.variant);
  return { ...(await buildRaw(raw, path.join(dir, 'out'), source, opts)), expected };
}

export async function buildRaw(raw: string, out: string, source: string, opts: { size?: number } & Partial<BuildOptions> = {}) {
  const { record } = await buildWhole({ workers: 1, ...opts, raw, out, sources: [source], size: opts.size ?? 64 });
  return { raw, out, record, rows: await readManifest(out), expected: {} };
}

export function rowsOf(rows: ManifestRow[], task: string): ManifestRow[] {
  return rows.filter((r) => r.task === task);
}

/** One output mask and how Pillow should derive it from its raw file. */
export interface MaskCheck {
  raw: string;
  ours: string;
  size: number;
  rule: { kind: 'luma-above'; above: number } | { kind: 'luma-below'; below: number } | { kind: 'labels' };
  crop?: 'left-half';
}

/**
 * Pillow's reading of each raw mask (convert('L') and threshold, or label > 0 on the raw integer
 * array), cropped, resized with NEAREST: foreground counts and differing pixels against ours.
 */
const PY_MASKS = `
import sys, json, numpy as np
from PIL import Image
out = []
for s in json.loads(sys.argv[1]):
    im = Image.open(s['raw'])
    rule = s['rule']
    if rule['kind'] == 'labels':
        a = np.array(im)
        fg = (a[..., 0] if a.ndim == 3 else a) > 0
    else:
        a = np.array(im.convert('L')).astype(int)
        fg = a > rule['above'] if rule['kind'] == 'luma-above' else a < rule['below']
    if s.get('crop') == 'left-half':
        fg = fg[:, : fg.shape[1] // 2]
    ref = np.array(Image.fromarray((fg * 255).astype(np.uint8)).resize((s['size'], s['size']), Image.NEAREST)) > 0
    ours = np.array(Image.open(s['ours']))
    out.append({'ref': int(ref.sum()), 'ours': int((ours > 0).sum()), 'diff': int((ref != (ours > 0)).sum()), 'values': sorted(set(int(v) for v in np.unique(ours)))})
print(json.dumps(out))
`;

export function pillowMasks(
  t: TestContext,
  checks: MaskCheck[],
): { ref: number; ours: number; diff: number; values: number[] }[] | undefined {
  return python(t, PY_MASKS, [JSON.stringify(checks)]) as { ref: number; ours: number; diff: number; values: number[] }[] | undefined;
}
