// The demo's sources built together: every task has a test split with its origin recorded, left/right tasks say their side,
// and medbank.json, the card, CITATION.bib and `medbank cite` name the same citation keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fixtures } from '../src/fixtures/registry.js';
import { catalog } from '../src/catalog/registry.js';
import { SPLITS } from '../src/catalog/types.js';
import { buildWhole, runCli, tempDir } from './helpers.js';
import { splitLines } from './tree-fixtures.js';

const LATERAL = [
  ['RightKidney_CT_20', 'patient-right', 'LeftKidney_CT_21'],
  ['LeftKidney_CT_21', 'patient-left', 'RightKidney_CT_20'],
  ['RightAdrenalGland_CT_30', 'patient-right', 'LeftAdrenalGland_CT_31'],
  ['LeftAdrenalGland_CT_31', 'patient-left', 'RightAdrenalGland_CT_30'],
  ['RightKidney_CT_37', 'patient-right', 'LeftKidney_CT_38'],
  ['LeftKidney_CT_38', 'patient-left', 'RightKidney_CT_37'],
  ['RightAdrenalGland_CT_46', 'patient-right', 'LeftAdrenalGland_CT_47'],
  ['LeftAdrenalGland_CT_47', 'patient-left', 'RightAdrenalGland_CT_46'],
  ['RightKidney_MR_52', 'patient-right', 'LeftKidney_MR_53'],
  ['LeftKidney_MR_53', 'patient-left', 'RightKidney_MR_52'],
  ['RightAdrenalGland_MR_61', 'patient-right', 'LeftAdrenalGland_MR_62'],
  ['LeftAdrenalGland_MR_62', 'patient-left', 'RightAdrenalGland_MR_61'],
];

test('every task of the demo sources gets a non-empty test split, with where each split came from, side and citations recorded', async (t) => {
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  for (const f of await fixtures()) await f.generate(raw);
  const tree = path.join(dir, 'tree');
  const { record } = await buildWhole({ raw, out: tree, size: 64, workers: 2 });
  assert.equal(record.tasks.length, 65);
  assert.equal(record.options.license, 'any');

  for (const task of record.tasks) {
    assert.ok(task.counts.test > 0, `${task.id} has no test sample`);
    assert.equal((await splitLines(tree, task.id, 'test')).length, task.counts.test, task.id);
    for (const split of SPLITS) {
      const n = Object.values(task.splitOrigins[split]).reduce((a, b) => a + (b ?? 0), 0);
      assert.equal(n, task.counts[split], `${task.id} ${split}: origins count every sample`);
    }
  }
  const origins = (id: string) => SPLITS.map((s) => Object.keys(record.tasks.find((x) => x.id === id)!.splitOrigins[s]).join('+'));
  assert.deepEqual(origins('Polyp_EN_6'), ['official', 'official', 'carved']);
  assert.deepEqual(origins('Spleen_CT_36'), ['official', 'official', 'carved']);
  assert.deepEqual(origins('Spleen_MR_51'), ['official', 'official', 'carved']);
  assert.deepEqual(origins('SkinLesion_DS_5'), ['official', 'official', 'official']);
  assert.deepEqual(origins('BreastTumor_UT_0'), ['seeded', 'seeded', 'seeded']);
  assert.deepEqual(origins('Leaf_PH_12'), ['seeded', 'seeded', 'official']);

  // Laterality: exactly the paired organs, each naming its mirror.
  assert.deepEqual(
    record.tasks.filter((x) => x.side).map((x) => [x.id, x.side, x.mirror]),
    LATERAL,
  );
  assert.ok(!('side' in record.tasks.find((x) => x.id === 'RightVentricle_MR_13')!), 'heart chambers are not mirror pairs');
  const card = await readFile(path.join(tree, 'README.md'), 'utf8');
  assert.match(card, /\| RightKidney_CT_20 \| patient's right \| LeftKidney_CT_21 \|/);
  assert.match(card, /\| LeftAdrenalGland_MR_62 \| patient's left \| RightAdrenalGland_MR_61 \|/);
  assert.match(card, /\| Polyp_EN_6 \| Kvasir-SEG \|.*\| official \/ official \/ carved \|/);
  assert.match(card, /- Small objects: every mask component is kept \(`--min-area 0`\)\./);

  // Citations: every key of every included source, the same in medbank.json, the card, CITATION.bib and `medbank cite`.
  const keys = (await catalog()).flatMap((s) => s.citations.map((c) => c.key));
  assert.deepEqual(
    record.sources.flatMap((s) => s.citationKeys),
    keys,
  );
  const covid = record.tasks.find((x) => x.id === 'Lung_XR_9')!;
  assert.equal(covid.citationKey, 'tahir2021covidquex');
  assert.deepEqual(covid.citationKeys, [
    'tahir2021covidquex',
    'tahir2021covidquexdata',
    'rahman2021covqu',
    'degerli2021infectionmap',
    'chowdhury2020screening',
  ]);
  assert.match(
    card,
    /\| Lung_XR_9 \|.*\| tahir2021covidquex, tahir2021covidquexdata, rahman2021covqu, degerli2021infectionmap, chowdhury2020screening \|/,
  );
  const bibKeys = (text: string) => (text.match(/^@\w+\{[^,]+/gm) ?? []).map((k) => k.slice(k.indexOf('{') + 1));
  assert.deepEqual(bibKeys(await readFile(path.join(tree, 'CITATION.bib'), 'utf8')), [...keys, 'yan2025samed2']);
  const cite = await runCli(['cite', tree]);
  assert.equal(cite.code, 0, cite.stderr);
  assert.deepEqual(bibKeys(cite.stdout), [...keys, 'yan2025samed2']);
});

test('medbank sources --details states the side and mirror of every left/right task', async () => {
  const r = await runCli(['sources', '--details', 'btcv']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /Laterality \(the patient's side; .*\):\n {2}RightKidney_CT_20: patient-right, mirror LeftKidney_CT_21\n {2}LeftKidney_CT_21: patient-left, mirror RightKidney_CT_20\n {2}RightAdrenalGland_CT_30: patient-right, mirror LeftAdrenalGland_CT_31\n {2}LeftAdrenalGland_CT_31: patient-left, mirror RightAdrenalGland_CT_30\n/,
  );
  const amos = await runCli(['sources', '--details', 'AMOS']);
  assert.equal((amos.stdout.match(/: patient-(right|left), mirror /g) ?? []).length, 8);
  const json = JSON.parse((await runCli(['sources', '--json'])).stdout) as { tasks: { id: string; side?: string; mirror?: string }[] }[];
  assert.deepEqual(
    json.flatMap((s) => s.tasks.filter((x) => x.side).map((x) => [x.id, x.side, x.mirror])),
    LATERAL,
  );
});
