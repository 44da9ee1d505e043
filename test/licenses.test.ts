// License filtering (`build --license`, `licenses --allow`), the per-task card table and `cite`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from '../src/catalog/registry.js';
import { licenseVerdict, selectByLicense } from '../src/catalog/license-policy.js';
import { fixtureFor } from '../src/fixtures/registry.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { build } from '../src/pipeline/build.js';
import { REPO, runCli, tempDir, buildWhole } from './helpers.js';
import { FIXTURE_SOURCES } from './tree-fixtures.js';

async function rawFixtures(dir: string): Promise<string> {
  const raw = path.join(dir, 'raw');
  for (const s of [...FIXTURE_SOURCES, 'CVC-ColonDB', 'PlantDoc']) await (await fixtureFor(s)).generate(raw);
  return raw;
}

test('commercial use keeps only sources whose terms say yes; every "no" and "unclear" source is left out with its reason', async () => {
  const all = await catalog();
  const { allowed, excluded } = selectByLicense(all, 'commercial');
  assert.deepEqual(
    allowed.map((s) => s.id),
    all.filter((s) => s.license.commercial === 'yes').map((s) => s.id),
  );
  assert.deepEqual(
    allowed.map((s) => s.id),
    ['COVID-QU-Ex', 'PlantDoc', 'MSD_Lung'],
  );
  for (const s of all.filter((x) => x.license.commercial === 'no'))
    assert.match(excluded.find((x) => x.source === s)!.reason, /does not allow commercial use/, s.id);
  for (const s of all.filter((x) => x.license.commercial === 'unclear'))
    assert.match(excluded.find((x) => x.source === s)!.reason, /does not say that commercial use is allowed/, s.id);
  assert.equal(selectByLicense(all, 'noncommercial').allowed.length, all.length);
  assert.equal(selectByLicense(all, 'any').excluded.length, 0);
  assert.deepEqual(
    licenseVerdict(
      all.find((s) => s.id === 'ISIC2018')!,
      'commercial',
    ),
    {
      allowed: false,
      reason: 'CC BY-NC 4.0 (CC-BY-NC-4.0) does not allow commercial use',
    },
  );
});

test('catalogued terms: Kvasir-SEG and CVC-ClinicDB forbid commercial use, KiTS19 is CC BY-NC-SA 4.0, AMOS claims no license', async () => {
  const byId = new Map((await catalog()).map((s) => [s.id, s.license]));
  const kvasir = byId.get('Kvasir-SEG')!;
  assert.equal(kvasir.commercial, 'no');
  assert.equal(kvasir.spdx, undefined);
  assert.match(kvasir.text, /^Research and education use only.*commercial use is forbidden without written permission/);
  assert.doesNotMatch(`${kvasir.text} ${kvasir.attribution}`, /CC[- ]BY/);
  assert.equal(byId.get('CVC-ClinicDB')!.commercial, 'no');
  assert.match(byId.get('CVC-ClinicDB')!.text, /forbids commercial use/);
  assert.deepEqual(
    [byId.get('KiTS19')!.text, byId.get('KiTS19')!.spdx, byId.get('KiTS19')!.commercial],
    ['CC BY-NC-SA 4.0', 'CC-BY-NC-SA-4.0', 'no'],
  );
  const amos = byId.get('AMOS')!;
  assert.equal(amos.commercial, 'unclear');
  assert.equal(amos.spdx, undefined);
  assert.match(amos.text, /^No license stated in the release/);
  assert.doesNotMatch(`${amos.text} ${amos.attribution}`, /CC BY 4\.0|Zenodo release states/);
});

test("the README's license table and its --license commercial sentence follow the catalog", async () => {
  const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
  const head = '| source | tasks | license | SPDX | commercial use |';
  const lines = readme.slice(readme.indexOf(head)).split('\n').slice(2);
  const rows = lines
    .slice(
      0,
      lines.findIndex((l) => !l.startsWith('| ')),
    )
    .map((l) => l.slice(2, -2).split(' | '));
  const all = await catalog();
  assert.deepEqual(
    rows,
    all.map((s) => [s.id, String(s.tasks.length), s.license.text, s.license.spdx ?? '-', s.license.commercial]),
  );
  const allowed = selectByLicense(all, 'commercial').allowed.map((s) => s.name.split(' (')[0].replace('MSD Task06 Lung', 'MSD Lung'));
  assert.match(readme, new RegExp(`\\(today ${allowed.slice(0, -1).join(', ')} and ${allowed.at(-1)}\\)`));
});

test('build --license commercial builds only PlantDoc from six fixture sources, names the five left out and why, and records the filter', async (t) => {
  const dir = await tempDir(t);
  const raw = await rawFixtures(dir);
  const out = path.join(dir, 'tree');
  const r = await runCli(['build', '--raw', raw, '--out', out, '--size', '64', '--license', 'commercial', '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  const record = JSON.parse(await readFile(path.join(out, 'medbank.json'), 'utf8')) as BuildRecord;
  assert.deepEqual(
    record.sources.map((s) => s.id),
    ['PlantDoc'],
  );
  assert.deepEqual(
    record.tasks.map((t) => t.id),
    ['Leaf_PH_12'],
  );
  assert.equal(record.options.license, 'commercial');
  assert.match(r.stderr, /left out by --license: ISIC2018: CC BY-NC 4.0 \(CC-BY-NC-4.0\) does not allow commercial use/);
  for (const id of ['Kvasir-SEG', 'CVC-ClinicDB'])
    assert.match(r.stderr, new RegExp(`left out by --license: ${id}: .*does not allow commercial use`));
  for (const id of ['BUSI', 'CVC-ColonDB']) assert.match(r.stderr, new RegExp(`left out by --license: ${id}: .*does not say`));
  const citations = await readFile(path.join(out, 'CITATION.bib'), 'utf8');
  assert.ok(!citations.includes('tschandl2018ham10000') && !citations.includes('jha2020kvasirseg'));
  const card = await readFile(path.join(out, 'README.md'), 'utf8');
  assert.match(card, /- Sources: only those whose terms allow commercial use \(`--license commercial`\)\./);
  // A rerun with another filter is another build: refused without --force.
  const again = await runCli(['build', '--raw', raw, '--out', out, '--size', '64', '--license', 'noncommercial', '--sources', 'PlantDoc']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /was built with different options/);
});

test('build API: --license reports exclusions, refuses when nothing is left, and noncommercial keeps every source', async (t) => {
  const dir = await tempDir(t);
  const raw = await rawFixtures(dir);
  await assert.rejects(
    build({ raw, out: path.join(dir, 'a'), size: 64, sources: ['ISIC2018'], license: 'commercial' }),
    /--license commercial leaves out every source present: ISIC2018 \(CC BY-NC 4.0/,
  );
  const nc = await buildWhole({ raw, out: path.join(dir, 'b'), size: 64, workers: 2, license: 'noncommercial' });
  assert.deepEqual(nc.excluded, []);
  assert.equal(nc.record.sources.length, 6);
  assert.equal(nc.record.options.license, 'noncommercial');
  const card = await readFile(path.join(dir, 'b', 'README.md'), 'utf8');
  const licenseSection = card.slice(card.indexOf('## Licenses and attribution'), card.indexOf('## Loading'));
  for (const task of nc.record.tasks) {
    const row = licenseSection.split('\n').find((l) => l.startsWith(`| ${task.id} |`));
    assert.ok(row, `no license row for ${task.id}`);
    assert.ok(row.includes(task.license.text) && row.includes(task.license.attribution.replace(/\|/g, '\\|')), row);
    assert.ok(row.includes(task.citationKey), row);
  }
});

test('licenses --allow commercial lists the allowed sources and every one left out with its tasks; --json agrees', async () => {
  const r = await runCli(['licenses', '--allow', 'commercial']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^PlantDoc\s+Leaf_PH_12\s+Creative Commons Attribution 4.0/m);
  assert.match(
    r.stdout,
    /left out for commercial use:\n(.*\n)*\s+Kvasir-SEG \(Polyp_EN_6\): Research and education use only.* does not allow commercial use/,
  );
  assert.match(
    r.stdout,
    /\s+KiTS19 \(Kidney_CT_34, KidneyTumor_CT_35\): CC BY-NC-SA 4.0 \(CC-BY-NC-SA-4.0\) does not allow commercial use/,
  );
  assert.match(r.stdout, /left out for commercial use:\n(.*\n)*\s+ISIC2018 \(SkinLesion_DS_5\): CC BY-NC 4.0/);
  const json = JSON.parse((await runCli(['licenses', '--allow', 'commercial', '--json'])).stdout) as {
    allowed: { id: string }[];
    excluded: { id: string; reason: string }[];
  };
  const all = await catalog();
  assert.equal(json.allowed.length + json.excluded.length, all.length);
  assert.ok(json.excluded.some((x) => x.id === 'ACDC' && /does not allow commercial use/.test(x.reason)));
  const bad = await runCli(['licenses', '--allow', 'corporate']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--allow must be one of commercial, noncommercial, any/);
});

test('cite prints BibTeX of every source in a tree plus SAMed-2, or of all sources', async (t) => {
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  await (await fixtureFor('Kvasir-SEG')).generate(raw);
  await buildWhole({ raw, out: path.join(dir, 'tree'), size: 64, workers: 1 });
  const one = await runCli(['cite', path.join(dir, 'tree')]);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(one.stdout.match(/^@\w+\{[^,]+/gm), ['@inproceedings{jha2020kvasirseg', '@inproceedings{yan2025samed2']);
  const all = await runCli(['cite']);
  const keys = (all.stdout.match(/^@\w+\{[^,]+/gm) ?? []).map((k) => k.slice(k.indexOf('{') + 1));
  assert.deepEqual(keys, [...(await catalog()).flatMap((s) => s.citations.map((c) => c.key)), 'yan2025samed2']);
  for (const key of [
    'tschandl2018ham10000',
    'codella2019isic',
    'antonelli2022msd',
    'simpson2019msd',
    'heller2021kits19',
    'heller2019kits19data',
    'tahir2021covidquex',
    'tahir2021covidquexdata',
    'rahman2021covqu',
    'degerli2021infectionmap',
    'chowdhury2020screening',
  ])
    assert.ok(keys.includes(key), `medbank cite lacks ${key}`);
  assert.match(all.stdout, /eprint {8}= \{1902\.03368\}/);
  assert.match(all.stdout, /eprint {8}= \{1902\.09063\}/);
  assert.match(all.stdout, /eprint {8}= \{1904\.00445\}/);
  assert.match(all.stdout, /doi {7}= \{10\.34740\/kaggle\/dsv\/3122958\}/);
});
