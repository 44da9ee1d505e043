// `medbank view` end to end in Debian's Chromium (driven by playwright-core, never a downloaded
// browser) on a demo-like tree: task list, overlay pixels, split filter, paging, keyboard, stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { chromium, type Page } from 'playwright-core';
import { fixtures } from '../src/fixtures/registry.js';
import { startViewer } from '../src/viewer/server.js';
import { REPO, CHROMIUM, CHROMIUM_ARGS } from './helpers.js';
import { fixtureTree } from './viewer-tree.js';

/** The overlay colour of viewer/src/overlay.ts. */
const MASK_COLOUR = [0, 255, 128];
const SIZE = 128;

async function splitNames(root: string, task: string, split: string): Promise<string[]> {
  return (await readFile(path.join(root, task, `${split}.txt`), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/\.png$/, ''));
}

/** Waits until the grid shows exactly `names` (in order), every thumbnail drawn. */
async function expectGrid(page: Page, names: string[]): Promise<void> {
  await page.waitForFunction(
    (expected) => {
      const shown = [...document.querySelectorAll<HTMLElement>('.grid a[data-name]')].map((a) => a.dataset.name);
      return JSON.stringify(shown) === JSON.stringify(expected) && !document.querySelector('.grid canvas.loading');
    },
    names,
    { timeout: 30_000 },
  );
}

async function canvasPixels(page: Page, panel: string): Promise<number[]> {
  return page.evaluate((p) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`canvas[data-panel="${p}"]`)!;
    return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
  }, panel);
}

async function setOpacity(page: Page, value: number): Promise<void> {
  await page.$eval(
    'input[name=opacity]',
    (el, v) => {
      (el as HTMLInputElement).value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

test('the viewer in Chromium: tasks, overlay pixels, split filter, paging, keyboard, stats', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not found: browser tests skipped (apt-get install chromium; .ci/run does)`);
    return;
  }
  const sources = (await fixtures()).map((f) => f.source);
  const { root, record } = await fixtureTree(t, { sources, size: SIZE });
  const viewer = await startViewer({ root, port: 0 });
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'medbank-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  t.after(async () => {
    await context.close();
    await viewer.close();
    await rm(userDataDir, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
  // The task with most samples exercises paging best.
  const largest = [...record.tasks].sort((a, b) => b.counts.total - a.counts.total)[0].id;
  const lists = {
    train: await splitNames(root, largest, 'train'),
    val: await splitNames(root, largest, 'val'),
    test: await splitNames(root, largest, 'test'),
  };
  const all = [...lists.train, ...lists.val, ...lists.test];

  await t.test('the task list shows every task with its counts and a drawn thumbnail', async () => {
    await page.goto(viewer.url);
    await page.waitForSelector('mb-task-list tr[data-task]');
    await page.waitForFunction(() => !document.querySelector('mb-task-list canvas.loading'));
    const rows = await page.$$eval('mb-task-list tr[data-task]', (trs) =>
      trs.map((tr) => ({
        task: (tr as HTMLElement).dataset.task,
        numbers: [...tr.querySelectorAll('td.num')].map((td) => Number(td.textContent!.replace(/,/g, ''))),
        thumbs: tr.querySelectorAll('canvas.thumb').length,
      })),
    );
    assert.deepEqual(rows.map((r) => r.task).sort(), record.tasks.map((x) => x.id).sort());
    for (const task of record.tasks) {
      const row = rows.find((r) => r.task === task.id)!;
      assert.deepEqual(row.numbers, [task.counts.train, task.counts.val, task.counts.test, task.counts.total], task.id);
      assert.equal(row.thumbs, 1);
    }
  });

  await t.test('the overlay canvas has the mask colour exactly where the mask is and nowhere else', async () => {
    const name = lists.train[0];
    await page.goto(`${viewer.url}#/task/${largest}/${name}?split=train&per=48`);
    await page.waitForFunction(() => document.querySelector<HTMLCanvasElement>('canvas[data-panel="overlay"]')?.width === 128);
    await page.check('input[name=show-mask]');
    await page.selectOption('select[name=mode]', 'fill');
    await setOpacity(page, 1);
    const image = await sharp(path.join(root, largest, 'images', `${name}.png`))
      .removeAlpha()
      .raw()
      .toBuffer();
    const mask = await sharp(path.join(root, largest, 'masks', `${name}.png`))
      .extractChannel(0)
      .raw()
      .toBuffer();
    const fg = [...mask].filter((v) => v > 0).length;
    assert.ok(fg > 50 && fg < SIZE * SIZE - 50, `the sample needs foreground and background (${fg})`);

    assert.deepEqual(
      (await canvasPixels(page, 'image')).filter((_, i) => i % 4 !== 3),
      [...image],
      'the image canvas holds the stored pixels',
    );
    const check = (rgba: number[], expectInside: (i: number) => number[], label: string) => {
      let wrongInside = 0;
      let wrongOutside = 0;
      let colouredOutside = 0;
      for (let i = 0; i < SIZE * SIZE; i++) {
        const got = [rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]];
        const stored = [image[i * 3], image[i * 3 + 1], image[i * 3 + 2]];
        if (mask[i] > 0) {
          if (expectInside(i).some((v, c) => Math.abs(v - got[c]) > 1)) wrongInside++;
        } else {
          if (stored.some((v, c) => v !== got[c])) wrongOutside++;
          if (got.every((v, c) => v === MASK_COLOUR[c])) colouredOutside++;
        }
      }
      assert.equal(wrongInside, 0, `${label}: pixels inside the mask without the expected colour`);
      assert.equal(wrongOutside, 0, `${label}: pixels outside the mask that differ from the image`);
      assert.equal(colouredOutside, 0, `${label}: mask-coloured pixels outside the mask`);
    };
    check(await canvasPixels(page, 'overlay'), () => MASK_COLOUR, 'opacity 1');
    await setOpacity(page, 0.5);
    check(
      await canvasPixels(page, 'overlay'),
      (i) => MASK_COLOUR.map((c, k) => Math.round(image[i * 3 + k] * 0.5 + c * 0.5)),
      'opacity 0.5',
    );

    await setOpacity(page, 1);
    await page.selectOption('select[name=mode]', 'outline');
    const outline = await canvasPixels(page, 'overlay');
    let edge = 0;
    for (let i = 0; i < SIZE * SIZE; i++) {
      const coloured = MASK_COLOUR.every((c, k) => outline[i * 4 + k] === c);
      if (!coloured) continue;
      assert.ok(mask[i] > 0, 'outline pixels lie on the mask');
      edge++;
    }
    assert.ok(edge > 0 && edge < fg / 2, `the outline is a thin line (${edge} of ${fg} mask pixels)`);

    await page.uncheck('input[name=show-mask]');
    assert.deepEqual(
      (await canvasPixels(page, 'overlay')).filter((_, i) => i % 4 !== 3),
      [...image],
      'mask hidden: the overlay is the image',
    );
    // Back to the defaults for the following pages and the screenshot.
    await page.check('input[name=show-mask]');
    await page.selectOption('select[name=mode]', 'fill');
    await setOpacity(page, 0.5);
    const bbox = (await page.textContent('td.bbox'))?.trim();
    const row = JSON.parse(
      (await readFile(path.join(root, 'manifest.jsonl'), 'utf8'))
        .split('\n')
        .find((l) => l.includes(`"task":"${largest}","name":"${name}"`))!,
    ) as { bbox: number[] };
    assert.equal(
      bbox,
      `x ${row.bbox[0]}–${row.bbox[2]}, y ${row.bbox[1]}–${row.bbox[3]} (${row.bbox[2] - row.bbox[0] + 1} × ${row.bbox[3] - row.bbox[1] + 1})`,
    );
  });

  await t.test('split filter and paging show the split files page by page', async () => {
    await page.goto(`${viewer.url}#/task/${largest}?split=all&page=1&per=4`);
    await expectGrid(page, all.slice(0, 4));
    await page.click('button[name=next-page]');
    await expectGrid(page, all.slice(4, 8));
    assert.match(page.url(), /split=all&page=2&per=4$/);
    assert.match((await page.textContent('.page-status'))!, new RegExp(`page 2 of ${Math.ceil(all.length / 4)} · 5–8 of\\s+${all.length}`));

    const filtered = lists.test.length ? 'test' : 'train';
    await page.click(`a[data-split=${filtered}]`);
    await expectGrid(page, lists[filtered].slice(0, 4));
    const captions = await page.$$eval('.grid .caption span', (spans) => spans.map((s) => s.textContent));
    assert.ok(
      captions.every((c) => c === filtered),
      `every sample shown is in ${filtered}`,
    );
    await page.selectOption('select[name=per-page]', '24');
    await expectGrid(page, lists[filtered].slice(0, 24));
    assert.match(page.url(), new RegExp(`split=${filtered}&page=1&per=24$`));
  });

  await t.test('keyboard: arrows page the grid and walk samples, Escape returns to the grid', async () => {
    await page.goto(`${viewer.url}#/task/${largest}?split=all&page=2&per=4`);
    await expectGrid(page, all.slice(4, 8));
    await page.keyboard.press('ArrowRight');
    await expectGrid(page, all.slice(8, 12));
    await page.keyboard.press('ArrowLeft');
    await expectGrid(page, all.slice(4, 8));

    await page.click(`.grid a[data-name="${all[5]}"]`);
    // The heading names the sample of the URL; the position line comes with its loaded data.
    const shows = (index: number) =>
      page.waitForFunction(
        ([name, position]) =>
          document.querySelector('.sample-head h1')?.textContent === name &&
          document.querySelector('.position')?.textContent?.startsWith(position),
        [all[index], `${index + 1} of ${all.length} in all splits`],
      );
    await shows(5);
    await page.keyboard.press('ArrowRight');
    await shows(6);
    assert.ok(page.url().endsWith(`#/task/${largest}/${all[6]}?split=all&per=4`), page.url());
    await page.keyboard.press('ArrowLeft');
    await shows(5);
    await page.keyboard.press('ArrowLeft');
    await shows(4);
    await page.keyboard.press('m');
    assert.equal(await page.isChecked('input[name=show-mask]'), false);
    await page.keyboard.press('m');
    assert.equal(await page.isChecked('input[name=show-mask]'), true);
    await page.keyboard.press('Escape');
    await expectGrid(page, all.slice(4, 8));
    assert.ok(page.url().endsWith(`#/task/${largest}?split=all&page=2&per=4`), page.url());
  });

  await t.test('a screenshot of the grid is written to test-artifacts/viewer-grid.png', async () => {
    await page.goto(`${viewer.url}#/task/${largest}?split=all&page=1&per=24`);
    await expectGrid(page, all.slice(0, 24));
    const artifacts = path.join(REPO, 'test-artifacts');
    await mkdir(artifacts, { recursive: true });
    const file = path.join(artifacts, 'viewer-grid.png');
    await page.screenshot({ path: file, fullPage: true });
    const meta = await sharp(file).metadata();
    assert.equal(meta.width, 1280);
  });

  await t.test('the stats page charts every task', async () => {
    await page.goto(`${viewer.url}#/stats`);
    await page.waitForSelector('.task-stats tr[data-task]');
    const tasks = await page.$$eval('.task-stats tr[data-task]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.task));
    assert.deepEqual(tasks.sort(), record.tasks.map((x) => x.id).sort());
    const bars = await page.$$eval('svg rect.train', (rects) => rects.length);
    assert.equal(bars, record.tasks.length);
  });

  assert.deepEqual(pageErrors, [], 'no errors in the page');
});
