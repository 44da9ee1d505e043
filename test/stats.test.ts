// `medbank stats`: counts, sizes and distributions agree with the manifest; the HTML report opens in Chromium with one montage per task.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { computeStats, type TreeStats } from '../src/dataset/stats.js';
import { writeReport } from '../src/dataset/report.js';
import { drawOutline } from '../src/dataset/montage.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import { runCli, CHROMIUM, CHROMIUM_ARGS } from './helpers.js';
import { buildFixtureTree, copyTree } from './tree-fixtures.js';
import { readManifest } from '../src/dataset/open.js';

let tree = '';
let cleanup = async () => {};
before(async () => {
  ({ tree, cleanup } = await buildFixtureTree());
});
after(() => cleanup());

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('computeStats: split counts, original sizes, histograms and totals agree with medbank.json and the manifest', async () => {
  const stats = await computeStats(tree);
  const record = JSON.parse(await readFile(path.join(tree, 'medbank.json'), 'utf8')) as BuildRecord;
  const rows = await readManifest(tree);
  assert.deepEqual(
    stats.tasks.map((t) => t.task),
    record.tasks.map((t) => t.id).sort(),
  );
  for (const t of stats.tasks) {
    const r = record.tasks.find((x) => x.id === t.task)!;
    assert.deepEqual(t.splits, { train: r.counts.train, val: r.counts.val, test: r.counts.test });
    assert.equal(t.total, r.counts.total);
    assert.equal(t.source, r.source);
    assert.equal(t.license, r.license.text);
    const own = rows.filter((x) => x.task === t.task);
    assert.equal(sum(t.originalSizes.map((s) => s.count)), own.length);
    for (const row of own) assert.ok(t.originalSizes.some((s) => s.width === row.original.width && s.height === row.original.height));
    assert.equal(t.foregroundFraction.edges.length, t.foregroundFraction.counts.length + 1);
    assert.equal(sum(t.foregroundFraction.counts), t.total);
    assert.equal(sum(t.bboxSize.counts), t.total - t.emptyMasks);
    // Every manifest foreground count lands in the bin the histogram says.
    const expected = new Array(t.foregroundFraction.counts.length).fill(0);
    for (const row of own) expected[Math.min(19, Math.floor((row.foreground / (64 * 64)) * 20))]++;
    assert.deepEqual(t.foregroundFraction.counts, expected);
    const boxes = new Array(20).fill(0);
    for (const row of own) {
      const [x0, y0, x1, y1] = row.bbox!;
      boxes[Math.min(19, Math.floor(Math.max((x1 - x0 + 1) / 64, (y1 - y0 + 1) / 64) * 20))]++;
    }
    assert.deepEqual(t.bboxSize.counts, boxes);
  }
  assert.equal(sum(Object.values(stats.totals.byLicense)), rows.length);
  assert.equal(stats.totals.byModality.colonoscopy, rows.filter((r) => r.task.startsWith('Polyp_EN')).length);
  assert.equal(stats.totals.byAnatomy.breast, rows.filter((r) => r.task === 'BreastTumor_UT_0').length);
});

test('computeStats on a tree without medbank.json takes metadata from the catalog by task id', async (t) => {
  const copy = await copyTree(t, tree);
  await rm(path.join(copy, 'medbank.json'));
  await rm(path.join(copy, 'manifest.jsonl'));
  const stats = await computeStats(copy);
  const busi = stats.tasks.find((x) => x.task === 'BreastTumor_UT_0')!;
  assert.equal(busi.source, 'BUSI');
  assert.equal(busi.modality, 'ultrasound');
  assert.deepEqual(busi.originalSizes, [{ width: 64, height: 64, count: busi.total }]);
});

test('the mask outline marks foreground pixels that touch the background, not the inside', () => {
  const size = 5;
  const mask = new Uint8Array(size * size);
  for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) mask[y * size + x] = 255;
  const rgb = new Uint8Array(size * size * 3);
  drawOutline(rgb, mask, size);
  const red = [...Array(size * size).keys()].filter((i) => rgb[i * 3] === 255);
  assert.deepEqual(red, [6, 7, 8, 11, 13, 16, 17, 18]);
});

test('stats CLI: a table, --json with the TreeStats shape, and report/index.html with one montage PNG per task', async (t) => {
  const copy = await copyTree(t, tree);
  const text = await runCli(['stats', copy]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^BreastTumor_UT_0\s+BUSI\s+ultrasound\s+6\s+2\s+1\s+9\s+0/m);
  assert.match(text.stderr, /report: .*report\/index\.html/);
  const json = await runCli(['stats', copy, '--json', '--no-report']);
  const stats = JSON.parse(json.stdout) as TreeStats;
  assert.equal(stats.tasks.length, 4);
  assert.ok(stats.tasks.every((x) => Array.isArray(x.foregroundFraction.edges) && Array.isArray(x.bboxSize.counts)));
  for (const task of stats.tasks) {
    const png = path.join(copy, 'report', `montage-${task.task}.png`);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, 4 * 128 + 5 * 2);
    let outline = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] === 255 && data[i + 1] === 32 && data[i + 2] === 32) outline++;
    assert.ok(outline > 50, `${task.task}: ${outline} outline pixels`);
  }
});

test('the HTML report opens in headless Chromium with one loaded montage and two histograms per task', async (t) => {
  if (!(await stat(CHROMIUM).catch(() => undefined))) {
    t.skip(`${CHROMIUM} not found (apt-get install chromium): browser test skipped`);
    return;
  }
  const copy = await copyTree(t, tree);
  const stats = await computeStats(copy);
  const file = await writeReport(stats);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // The test compiles without the DOM library: the image element is described by what is read.
    type Img = { complete: boolean; naturalWidth: number; getAttribute(name: string): string | null };
    const montages = await page.$$eval('img.montage', (imgs) =>
      imgs.map((i) => i as unknown as Img).map((i) => ({ src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0 })),
    );
    assert.deepEqual(
      montages,
      stats.tasks.map((x) => ({ src: `montage-${x.task}.png`, loaded: true })),
    );
    assert.equal(await page.$$eval('section.task', (s) => s.length), stats.tasks.length);
    assert.equal(await page.$$eval('svg.histogram', (s) => s.length), 2 * stats.tasks.length);
    assert.ok(
      requests.every((u) => u.startsWith('file://')),
      `network requests: ${requests.filter((u) => !u.startsWith('file://'))}`,
    );
  } finally {
    await browser.close();
  }
});
