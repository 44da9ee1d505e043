// Nothing dropped in silence: every file below a source folder is used, ignored with a reason, or named by a problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from '../src/catalog/registry.js';
import { scanSource, UNACCOUNTED, type SourceScan } from '../src/catalog/scan-source.js';
import type { SourceAdapter } from '../src/catalog/types.js';
import { fixtures } from '../src/fixtures/registry.js';
import { texture, writeImage } from '../src/fixtures/draw.js';
import { sharedSamples, tempDir } from './helpers.js';

/** Every entry below `dir` that is not a folder, listed without MedBank's walk. */
async function entriesBelow(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory()).length;
}

/** The accounting adds up, matches an independent listing, and leaves no image or annotation file unexplained. */
async function assertAccounted(source: SourceAdapter, rawRoot: string, label: string): Promise<SourceScan> {
  const scan = await scanSource(source, { rawRoot, options: {} });
  const { total, used, problems, ignored } = scan.files;
  assert.equal(total, await entriesBelow(path.join(rawRoot, source.id)), `${label}: every file is counted`);
  assert.equal(total, used + problems + Object.values(ignored).reduce((a, b) => a + b, 0), `${label}: the counts add up`);
  assert.ok(used > 0, `${label}: some files are used`);
  const unaccounted = scan.problems.filter((p) => p.reason === UNACCOUNTED).map((p) => p.file);
  assert.deepEqual(unaccounted, [], `${label}: files neither used nor ignored by a rule`);
  return scan;
}

test('every fixture source and variant: each file used or ignored with a reason; a stray image is a problem naming it', async (t) => {
  const sources = await catalog();
  for (const fixture of await fixtures()) {
    const source = sources.find((s) => s.id === fixture.source)!;
    for (const variant of fixture.variants) {
      const raw = path.join(await tempDir(t), 'raw');
      await fixture.generate(raw, variant);
      const label = `${source.id} (${variant})`;
      const before = await assertAccounted(source, raw, label);
      assert.deepEqual(before.problems, [], `${label}: the fixture scans without problems`);

      const stray = path.join(source.id, 'stray scan.png');
      await writeImage(path.join(raw, stray), texture(8, 8, 1), 8, 8, 3, 'png');
      const after = await scanSource(source, { rawRoot: raw, options: {} });
      assert.ok(
        after.problems.some((p) => p.file === stray),
        `${label}: the stray image is named: ${JSON.stringify(after.problems)}`,
      );
      assert.equal(after.files.used, before.files.used, `${label}: the stray image is not used`);
      assert.equal(after.files.problems, before.files.problems + 1, `${label}: the stray image counts as a problem`);
    }
  }
});

test('real samples (../shared/samples): every file used, ignored or named by a problem', async (t) => {
  const samples = await sharedSamples(t);
  if (!samples) return;
  const present = new Set(await readdir(samples));
  const sources = (await catalog()).filter((s) => present.has(s.id));
  assert.ok(sources.length > 0, 'the samples hold at least one source folder');
  for (const source of sources) {
    const scan = await scanSource(source, { rawRoot: samples, options: {} });
    const { total, used, problems, ignored } = scan.files;
    assert.equal(total, await entriesBelow(path.join(samples, source.id)), `${source.id}: every file is counted`);
    assert.equal(total, used + problems + Object.values(ignored).reduce((a, b) => a + b, 0), `${source.id}: the counts add up`);
    assert.deepEqual(
      scan.problems.filter((p) => p.reason === UNACCOUNTED),
      [],
      `${source.id}: files neither used nor ignored by a rule`,
    );
  }
});
