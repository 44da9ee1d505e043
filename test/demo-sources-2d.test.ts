// `medbank demo` generates, builds and checks every converted source: all ten 2D sources must be in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, tempDir } from './helpers.js';

const TASKS_2D = [
  'BreastTumor_UT_0',
  'OpticDisc_OC_1',
  'OpticCup_OC_2',
  'OpticDisc_OC_3',
  'OpticCup_OC_4',
  'SkinLesion_DS_5',
  'Polyp_EN_6',
  'Polyp_EN_7',
  'Polyp_EN_8',
  'Lung_XR_9',
  'LungInfection_XR_10',
  'Cell_MI_11',
  'Leaf_PH_12',
];

test('medbank demo covers the ten 2D sources and its check passes', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['demo', '--out', dir, '--size', '32', '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /check passed/);
  const record = JSON.parse(await readFile(path.join(dir, 'medbank', 'medbank.json'), 'utf8')) as {
    options: { sources: string[] };
    tasks: { id: string; counts: { total: number } }[];
  };
  for (const source of [
    'BUSI',
    'REFUGE',
    'RIM-ONE_r3',
    'ISIC2018',
    'Kvasir-SEG',
    'CVC-ClinicDB',
    'CVC-ColonDB',
    'COVID-QU-Ex',
    'CellSeg',
    'PlantDoc',
  ])
    assert.ok(record.options.sources.includes(source), `${source} missing from the demo`);
  for (const id of TASKS_2D) assert.ok((record.tasks.find((x) => x.id === id)?.counts.total ?? 0) > 0, `${id} has no samples`);
});
