// The catalog of all 17 sources: complete metadata, parseable BibTeX, contiguous task ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, pairMirrors } from '../src/catalog/registry.js';
import { scanSource } from '../src/catalog/scan-source.js';
import type { SourceAdapter } from '../src/catalog/types.js';
import { fixtureFor } from '../src/fixtures/registry.js';
import { tempDir } from './helpers.js';

const ORDER = [
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
  'ACDC',
  'CAMUS',
  'BTCV',
  'LiTS',
  'KiTS19',
  'AMOS',
  'MSD_Lung',
];

/** Checks a BibTeX entry the way a parser would: one entry, balanced braces, key, required fields. */
function checkBibtex(bib: string, key: string): string[] {
  const errors: string[] = [];
  const head = /^@(\w+)\{([^,\s{}]+),/.exec(bib.trim());
  if (!head) return ['does not start with @type{key,'];
  if (head[2] !== key) errors.push(`key ${head[2]} differs from citation.key ${key}`);
  let depth = 0;
  for (const [i, ch] of [...bib.trim()].entries()) {
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    if (depth < 0) errors.push(`unbalanced "}" at ${i}`);
    if (depth === 0 && i < bib.trim().length - 1 && ch === '}') errors.push(`entry closes before the end at ${i}`);
  }
  if (depth !== 0) errors.push(`${depth} unclosed "{"`);
  for (const field of ['author', 'title', 'year']) {
    const m = new RegExp(`\\b${field}\\s*=\\s*(\\{.+?\\}|\\d+)\\s*,?\\s*$`, 'm').exec(bib);
    if (!m) errors.push(`no ${field} field`);
  }
  if (!/\byear\s*=\s*\{?(19|20)\d\d\}?/.test(bib)) errors.push('year is not a year');
  return errors;
}

/** The SPDX id a Creative Commons license text names, e.g. "CC BY-NC-SA 4.0" -> CC-BY-NC-SA-4.0. */
function spdxFromText(text: string): string | undefined {
  const t = text.replace(/Creative Commons Attribution/i, 'CC BY').replace(/ International/i, '');
  const m = /CC[- ]BY(-NC)?(-SA|-ND)? 4\.0/i.exec(t);
  return m ? `CC-BY${(m[1] ?? '').toUpperCase()}${(m[2] ?? '').toUpperCase()}-4.0` : undefined;
}

test('17 sources in catalog order, each with its converter', async () => {
  const all = await catalog();
  assert.deepEqual(
    all.map((s) => s.id),
    ORDER,
  );
  assert.deepEqual(
    all.map((s) => s.order),
    ORDER.map((_, i) => i),
  );
  assert.ok(all.every((s) => typeof s.scan === 'function'));
});

test('every source has every field filled', async () => {
  for (const s of await catalog()) {
    const where = s.id;
    for (const key of ['name', 'modality', 'anatomy', 'layout'] as const) assert.ok(s[key].trim().length > 0, `${where}: ${key}`);
    assert.match(s.link, /^https?:\/\/\S+$/, `${where}: link`);
    assert.ok(s.license.text.trim(), `${where}: license text`);
    assert.ok(s.license.attribution.trim(), `${where}: attribution`);
    assert.ok(['yes', 'no', 'unclear'].includes(s.license.commercial), `${where}: commercial`);
    assert.ok(['open download', 'registration', 'challenge'].includes(s.access), `${where}: access`);
    assert.ok(['2d', '3d'].includes(s.dimension), `${where}: dimension`);
    assert.ok(s.download.length >= 2 && s.download.every((d) => d.trim().length > 10), `${where}: numbered download steps`);
    assert.ok(
      s.download.some((d) => d.includes(`<raw>/${s.id}`)),
      `${where}: download steps say where to unpack`,
    );
    assert.ok(s.layout.includes(s.id), `${where}: layout names the raw folder`);
    assert.ok(s.tasks.length > 0, `${where}: tasks`);
    for (const task of s.tasks) {
      assert.ok(task.structure.trim() && task.rule.trim(), `${task.id}: structure and rule`);
      assert.ok(Array.isArray(task.labels) && task.labels.every(Number.isInteger), `${task.id}: labels`);
    }
  }
});

test('licenses: SPDX ids where one exists, non-commercial licenses marked commercial "no"', async () => {
  const known = /^(CC-BY(-NC)?(-SA|-ND)?-4\.0|DbCL-1\.0|CC0-1\.0|ODbL-1\.0)$/;
  for (const s of await catalog()) {
    const expected = spdxFromText(s.license.text);
    if (expected) assert.equal(s.license.spdx, expected, `${s.id}: "${s.license.text}" has SPDX ${expected}`);
    if (s.license.spdx) assert.match(s.license.spdx, known, `${s.id}: ${s.license.spdx} is not an SPDX id`);
    if (s.license.spdx?.includes('-NC'))
      assert.equal(s.license.commercial, 'no', `${s.id}: NC license but commercial ${s.license.commercial}`);
    if (/^CC-BY(-SA)?-4\.0$/.test(s.license.spdx ?? '')) assert.equal(s.license.commercial, 'yes', s.id);
  }
});

test('every BibTeX entry parses: balanced braces, author, title, year, and the declared key', async () => {
  const keys = new Set<string>();
  for (const s of await catalog()) {
    assert.ok(s.citations.length > 0, `${s.id} has no citation`);
    for (const c of s.citations) {
      assert.deepEqual(checkBibtex(c.bibtex, c.key), [], `${s.id}: ${c.bibtex}`);
      assert.ok(!keys.has(c.key), `duplicate citation key ${c.key}`);
      keys.add(c.key);
    }
  }
});

test('the BibTeX check catches broken entries', () => {
  assert.deepEqual(checkBibtex('@article{k,\n  author = {A},\n  title = {T},\n  year = {2020}\n}', 'k'), []);
  assert.ok(checkBibtex('@article{k,\n  author = {A},\n  title = {T},\n  year = {2020}\n', 'k').length > 0);
  assert.ok(checkBibtex('@article{k,\n  title = {T},\n  year = {2020}\n}', 'k').length > 0);
  assert.ok(checkBibtex('@article{other,\n  author = {A},\n  title = {T},\n  year = {2020}\n}', 'k').length > 0);
});

test('task ids are <Structure>_<MOD>_<ID> with IDs 0..64 in catalog order, README examples exact', async () => {
  const all = await catalog();
  const ids = all.flatMap((s) => s.tasks.map((t) => ({ id: t.id, mod: t.modality ?? s.modalityCode })));
  assert.equal(ids.length, 65);
  ids.forEach(({ id, mod }, i) => {
    const m = /^([A-Z][A-Za-z]+)_(UT|OC|DS|EN|XR|MI|PH|MR|CT|EC)_(\d+)$/.exec(id);
    assert.ok(m, `${id} is not <Structure>_<MOD>_<ID>`);
    assert.equal(Number(m[3]), i, `${id}: expected index ${i}`);
    assert.equal(m[2], mod, `${id}: modality code`);
  });
  assert.deepEqual(
    ids.slice(0, 3).map((x) => x.id),
    ['BreastTumor_UT_0', 'OpticDisc_OC_1', 'OpticCup_OC_2'],
  );
  const amos = all.find((s) => s.id === 'AMOS')!.tasks;
  assert.ok(amos.some((t) => t.id.includes('_CT_')) && amos.some((t) => t.id.includes('_MR_')), 'AMOS CT and MRI are separate tasks');
});

test('every source declares the job kind its scan yields (the build sizes its pool by it before scanning)', async (t) => {
  const raw = await tempDir(t);
  for (const source of await catalog()) {
    await (await fixtureFor(source.id)).generate(raw);
    const { jobs } = await scanSource(source, { rawRoot: raw, options: {} });
    assert.ok(jobs.length > 0, `${source.id}: the fixture gives no jobs`);
    assert.deepEqual([...new Set(jobs.map((j) => j.kind))], [source.jobKind], source.id);
  }
});

test('left/right tasks: the registry pairs each declared side with its mirror, and refuses a side without its pair or against its name', async () => {
  const btcv = (await catalog()).find((s) => s.id === 'BTCV')!;
  assert.deepEqual(
    btcv.tasks.filter((t) => t.side).map((t) => `${t.id} ${t.side} ${t.mirror}`),
    [
      'RightKidney_CT_20 patient-right LeftKidney_CT_21',
      'LeftKidney_CT_21 patient-left RightKidney_CT_20',
      'RightAdrenalGland_CT_30 patient-right LeftAdrenalGland_CT_31',
      'LeftAdrenalGland_CT_31 patient-left RightAdrenalGland_CT_30',
    ],
  );
  const acdc = (await catalog()).find((s) => s.id === 'ACDC')!;
  assert.ok(
    acdc.tasks.every((t) => !t.side && !t.mirror),
    'heart chambers are named by anatomy, not by a mirrored side',
  );
  const fake = (tasks: SourceAdapter['tasks']) => ({ ...btcv, tasks: tasks.map((t) => ({ ...t })) });
  const kidney = btcv.tasks.find((t) => t.id === 'RightKidney_CT_20')!;
  assert.throws(() => pairMirrors(fake([kidney])), /RightKidney_CT_20 of BTCV: no patient-left task LeftKidney_CT to mirror it/);
  assert.throws(
    () => pairMirrors(fake([{ ...kidney, side: 'patient-left' }])),
    /RightKidney_CT_20 of BTCV: side patient-left but its name does not start with Left/,
  );
});
