// PlantDoc web-scraped names (query strings before the extension, #, %xx, spaces, unicode) convert to
// unique lowercase ASCII names; none is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { catalog } from '../src/catalog/registry.js';
import { scanSource } from '../src/catalog/scan-source.js';
import { baseKey } from '../src/catalog/sources/plantdoc.js';
import { sanitize } from '../src/catalog/files.js';
import { texture, writeImage, writeText } from '../src/fixtures/draw.js';
import { fixtureRaw } from './tree.js';

/** Shipped photo name → the output name it must get (the release pairs `<name>.xml` with `<name>.jpg`). */
const ODD: Record<string, string> = {
  'latest?cb=20100621160325&w=420.jpg': 'plantdoc_latest_cb_20100621160325_w_420',
  'show_picture.asp?id=aaaaaaaaaaogcqq&w2=420&meta=0.jpg': 'plantdoc_show_picture_asp_id_aaaaaaaaaaogcqq_w2_420_meta_0',
  '1421_0.jpeg?itok=FMtmgePj.jpg': 'plantdoc_1421_0_jpeg_itok_fmtmgepj',
  '%2320+Bacterial+Spot+and+Speck.jpg': 'plantdoc_20_bacterial_spot_and_speck',
  'leaf #3.jpg': 'plantdoc_leaf_3',
  'Blätter im Herbst.jpg': 'plantdoc_blatter_im_herbst',
  '葉.jpg': 'plantdoc',
};

function voc(file: string): string {
  return `<annotation><filename>${file.replace(/&/g, '&amp;')}</filename><object><name>leaf</name><bndbox><xmin>2</xmin><ymin>2</ymin><xmax>20</xmax><ymax>16</ymax></bndbox></object></annotation>\n`;
}

test('PlantDoc: a query string before the extension is part of the name, and pairs with its XML', () => {
  assert.equal(baseKey('latest?cb=20100621160325.jpg'), 'latest?cb=20100621160325');
  assert.equal(baseKey('latest?cb=20100621160325.xml'), 'latest?cb=20100621160325');
  assert.equal(baseKey('IMG_1629.JPG?1507122477.jpg'), baseKey('IMG_1629.JPG?1507122477.xml'));
  assert.notEqual(baseKey('latest?cb=20100621160325.jpg'), baseKey('latest?cb=20100621170000.jpg'));
  assert.equal(baseKey('%2320+Bacterial+Spot+and+Speck.jpg'), '#20+bacterial+spot+and+speck');
});

test('PlantDoc: every odd web name becomes a job with a unique lowercase ASCII name; none is left unaccounted', async (t) => {
  const { raw } = await fixtureRaw(t, [['PlantDoc']]);
  const train = path.join(raw, 'PlantDoc', 'PlantDoc-Object-Detection-Dataset-master', 'TRAIN');
  for (const [i, file] of Object.keys(ODD).entries()) {
    await writeImage(path.join(train, file), texture(24, 20, 1600 + i), 24, 20, 3, 'jpg');
    await writeText(path.join(train, file.replace(/\.jpg$/, '.xml')), voc(file));
  }
  const plantdoc = (await catalog()).find((s) => s.id === 'PlantDoc')!;
  const scan = await scanSource(plantdoc, { rawRoot: raw, options: {} });
  assert.deepEqual(scan.problems, []);
  for (const [file, name] of Object.entries(ODD)) {
    const job = scan.jobs.find((j) => path.basename(j.image) === file);
    assert.ok(job, `${file} is used`);
    assert.equal(job.name, name, file);
    assert.equal(job.kind === '2d' && job.meta.boxesFrom, path.relative(raw, path.join(train, file.replace(/\.jpg$/, '.xml'))));
  }
  assert.equal(scan.files.problems, 0);
  assert.equal(scan.files.used, scan.files.total - 1, 'all but the classification copy');
});

test('output names: long web names are cut with a hash of the whole, stable and distinct', () => {
  const long = 'why-are-my-pepper-plants-yellow-'.repeat(8);
  const a = sanitize('plantdoc', `${long}a`);
  const b = sanitize('plantdoc', `${long}b`);
  assert.ok(a.length <= 120 && /^[a-z0-9_]+$/.test(a), a);
  assert.notEqual(a, b);
  assert.equal(a, sanitize('plantdoc', `${long}a`));
  assert.match(a, /_[0-9a-f]{8}$/);
  assert.equal(sanitize('busi', 'benign (1)'), 'busi_benign_1', 'short names are unchanged');
});
