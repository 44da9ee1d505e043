// COVID-QU-Ex: lung and infection tasks from the two parts, official folders, classes, shared names, missing infection masks, real samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sharedSamples, tempDir } from './helpers.js';
import { buildFixture, buildRaw, pillowMasks, rowsOf } from './source-helpers.js';
import type { ManifestRow } from '../src/contract/manifest.js';

function maskChecks(rows: ManifestRow[], raw: string, out: string, size: number) {
  return rows.map((r) => ({
    raw: path.join(raw, r.raw[1]),
    ours: path.join(out, r.mask),
    size,
    rule: { kind: 'luma-above' as const, above: 127 },
  }));
}

test('COVID-QU-Ex: doubled wrapper folders, official splits, classes, one name per image across both tasks', async (t) => {
  const { rows, record, expected, raw, out } = await buildFixture(t, 'COVID-QU-Ex', { size: 32 });
  assert.deepEqual(record.problems, []);
  const lung = rowsOf(rows, 'Lung_XR_9');
  const infection = rowsOf(rows, 'LungInfection_XR_10');
  assert.equal(lung.length, expected.Lung_XR_9);
  assert.equal(infection.length, expected.LungInfection_XR_10);
  assert.deepEqual(
    lung.map((r) => `${r.name}:${r.split}:${r.meta.class}`),
    [
      'covidquex_covid_1:train:COVID-19',
      'covidquex_covid_2:train:COVID-19',
      'covidquex_covid_3:val:COVID-19',
      'covidquex_covid_4:test:COVID-19',
      'covidquex_non_covid_1:train:Non-COVID',
      'covidquex_non_covid_2:test:Non-COVID',
      'covidquex_normal_1:train:Normal',
      'covidquex_normal_2:val:Normal',
    ],
  );
  assert.ok(lung.every((r) => r.raw[0].startsWith('COVID-QU-Ex/Lung Segmentation Data/Lung Segmentation Data/')));
  // Only COVID-19 images have infection; covid_1 is in both parts and keeps its name.
  assert.deepEqual(
    infection.map((r) => `${r.name}:${r.split}`),
    ['covidquex_covid_1:train', 'covidquex_covid_5:train', 'covidquex_covid_6:val', 'covidquex_covid_7:test'],
  );
  assert.ok(infection.every((r) => r.raw[1].includes('/infection masks/') && r.meta.subset === 'Infection Segmentation Data'));
  assert.equal(record.tasks.find((x) => x.id === 'LungInfection_XR_10')!.skippedEmpty, 4);
  const result = pillowMasks(t, maskChecks(rows, raw, out, 32));
  if (result) for (const [i, c] of result.entries()) assert.equal(c.diff, 0, rows[i].mask);
});

test('COVID-QU-Ex: a Normal class without an infection masks folder counts as empty; kept with --keep-empty 1', async (t) => {
  const { rows, record } = await buildFixture(t, 'COVID-QU-Ex', { size: 16, keepEmpty: 1 });
  const infection = rowsOf(rows, 'LungInfection_XR_10');
  assert.equal(infection.length, 8);
  const normal = infection.filter((r) => r.meta.class === 'Normal');
  assert.deepEqual(
    normal.map((r) => [r.name, r.raw.length, r.foreground]),
    [
      ['covidquex_normal_1', 1, 0],
      ['covidquex_normal_3', 1, 0],
    ],
  );
  assert.ok(record.sources[0].notes.some((n) => /2 Non-COVID\/Normal images have no infection mask file/.test(n)));
});

test('COVID-QU-Ex infection part alone: the lung task falls back to its lung masks', async (t) => {
  const { rows, record, expected } = await buildFixture(t, 'COVID-QU-Ex', { variant: 'infection-only', size: 16 });
  assert.equal(rowsOf(rows, 'Lung_XR_9').length, expected.Lung_XR_9);
  assert.ok(rowsOf(rows, 'Lung_XR_9').every((r) => r.raw[1].includes('Infection Segmentation Data') && r.raw[1].includes('/lung masks/')));
  assert.equal(rowsOf(rows, 'LungInfection_XR_10').length, expected.LungInfection_XR_10);
  assert.ok(record.sources[0].notes.some((n) => n.includes('no "Lung Segmentation Data" part found')));
});

test('COVID-QU-Ex real samples: masks keep exactly the foreground of the source masks', async (t) => {
  const samples = await sharedSamples(t);
  if (!samples) return;
  for (const size of [256, 96]) {
    const out = path.join(await tempDir(t), 'out');
    const { rows, record } = await buildRaw(samples, out, 'COVID-QU-Ex', { size });
    assert.deepEqual(record.problems, []);
    assert.deepEqual(
      rowsOf(rows, 'Lung_XR_9').map((r) => r.name),
      [
        'covidquex_covid_1579',
        'covidquex_covid_1582',
        'covidquex_non_covid_11905',
        'covidquex_non_covid_11906',
        'covidquex_normal_1',
        'covidquex_normal_10',
      ],
    );
    // Non-COVID and Normal infection masks are empty: only the two COVID-19 images remain.
    assert.deepEqual(
      rowsOf(rows, 'LungInfection_XR_10').map((r) => r.name),
      ['covidquex_covid_1579', 'covidquex_covid_1582'],
    );
    assert.ok(rows.every((r) => r.split === 'test'));
    const result = pillowMasks(t, maskChecks(rows, samples, out, size));
    if (!result) return;
    for (const [i, c] of result.entries()) {
      assert.ok(c.ref > 0);
      assert.equal(rows[i].foreground, c.ref, `${rows[i].task}/${rows[i].name} at ${size}: manifest foreground`);
      assert.equal(c.diff, 0, `${rows[i].task}/${rows[i].name} at ${size}`);
    }
  }
});
