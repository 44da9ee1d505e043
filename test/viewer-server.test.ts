// `medbank view`'s server: confined to the tree (traversal and symlinks answer 404), read-only,
// paging from the split files, and trees without a manifest or medbank.json, in both layouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile, appendFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { startViewer, type Viewer } from '../src/viewer/server.js';
import { confineTo, safeSegment } from '../src/viewer/safe-path.js';
import type { SampleDetail, SamplePage, TreeSummary } from '../src/viewer/api-types.js';
import type { TreeStats } from '../src/dataset/stats.js';
import type { ManifestRow } from '../src/contract/manifest.js';
import { readManifest } from '../src/dataset/open.js';
import { fixtureTree } from './viewer-tree.js';
import { CLI, runCli } from './helpers.js';

interface RawResponse {
  status: number;
  type: string;
  body: Buffer;
}

/** A request with the path sent byte for byte (fetch would normalise `..` away before sending). */
function rawGet(viewer: Viewer, rawPath: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(viewer.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function getJson<T>(viewer: Viewer, rawPath: string): Promise<T> {
  const r = await rawGet(viewer, rawPath);
  assert.equal(r.status, 200, `${rawPath}: ${r.body.toString()}`);
  return JSON.parse(r.body.toString()) as T;
}

const SECRET = 'SECRET-OUTSIDE-THE-TREE';

test('the server answers 404 to every path that leaves the tree, and serves what is inside it', async (t) => {
  const { dir, root } = await fixtureTree(t, { sources: ['BUSI'], size: 64 });
  const task = 'BreastTumor_UT_0';
  // Files outside the tree: a text secret and a PNG secret, reachable only by traversal or symlink.
  await writeFile(path.join(dir, 'secret.txt'), SECRET);
  const outsidePng = path.join(dir, 'outside.png');
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 0, b: 0 } } })
    .png()
    .toFile(outsidePng);
  // A listed sample whose image and mask are symlinks out of the tree.
  await symlink(outsidePng, path.join(root, task, 'images', 'leak.png'));
  await symlink(outsidePng, path.join(root, task, 'masks', 'leak.png'));
  await appendFile(path.join(root, task, 'train.txt'), 'leak.png\n');
  // A task folder that is a symlink to a folder outside the tree.
  const outsideTask = path.join(dir, 'outside-task');
  await mkdir(path.join(outsideTask, 'images'), { recursive: true });
  await mkdir(path.join(outsideTask, 'masks'), { recursive: true });
  await copyFile(outsidePng, path.join(outsideTask, 'images', 'x.png'));
  await copyFile(outsidePng, path.join(outsideTask, 'masks', 'x.png'));
  await writeFile(path.join(outsideTask, 'train.txt'), 'x.png\n');
  await symlink(outsideTask, path.join(root, 'Linked_XX_99'));
  // A split line pointing out of the tree.
  await appendFile(path.join(root, task, 'val.txt'), '../../../secret.txt\n');

  const viewer = await startViewer({ root, port: 0 });
  t.after(() => viewer.close());
  const rows = await readManifest(root, (r) => r.task === task);
  const sample = rows[0].name;

  await t.test('a listed sample inside the tree is served byte for byte', async () => {
    const r = await rawGet(viewer, `/api/tasks/${task}/files/image/${sample}`);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'image/png');
    assert.deepEqual(r.body, await readFile(path.join(root, task, 'images', `${sample}.png`)));
    assert.equal((await rawGet(viewer, '/')).status, 200);
  });

  const attempts = [
    // plain ..
    `/api/tasks/${task}/files/image/../../../secret.txt`,
    `/api/tasks/${task}/files/image/..`,
    `/api/tasks/../files/image/${sample}`,
    `/../secret.txt`,
    `/../../../../etc/passwd`,
    `/assets/../../../secret.txt`,
    // encoded ..
    `/api/tasks/${task}/files/image/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt`,
    `/api/tasks/${task}/files/image/%2E%2E/%2E%2E/secret`,
    `/api/tasks/%2e%2e/files/image/${sample}`,
    `/%2e%2e/%2e%2e/secret.txt`,
    `/%2e%2e%2f%2e%2e%2fsecret.txt`,
    `/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt`,
    `/api/tasks/${task}/files/image/..%5c..%5c..%5csecret`,
    `/api/tasks/${task}/files/image/%252e%252e%252fsecret`,
    `/api/tasks/${task}/files/image/${sample}%00.png`,
    // absolute paths
    `//etc/passwd`,
    `/%2Fetc%2Fpasswd`,
    `/api/tasks/${task}/files/image/%2Fetc%2Fpasswd`,
    `/api/tasks/%2F${dir.slice(1).replaceAll('/', '%2F')}%2Foutside-task/files/image/x`,
    `/${dir}/secret.txt`,
    // symlinks out of the tree, and a split line that points out of it
    `/api/tasks/${task}/files/image/leak`,
    `/api/tasks/${task}/files/mask/leak`,
    `/api/tasks/${task}/thumbs/image/leak?size=96`,
    `/api/tasks/${task}/samples/leak`,
    `/api/tasks/Linked_XX_99/files/image/x`,
    `/api/tasks/Linked_XX_99/samples`,
    `/api/tasks/${task}/files/image/..%2F..%2F..%2Fsecret.txt`,
    `/api/tasks/${task}/files/image/${encodeURIComponent('../../../secret')}`,
    // not a route
    `/api/tasks/${task}/files/other/${sample}`,
    `/manifest.jsonl`,
    `/medbank.json`,
  ];
  for (const attempt of attempts) {
    await t.test(`GET ${attempt} -> 404`, async () => {
      const r = await rawGet(viewer, attempt);
      assert.equal(r.status, 404, `${attempt} answered ${r.status}`);
      assert.ok(!r.body.includes(SECRET), 'the secret leaked');
    });
  }

  await t.test('the listing never names files the server will not serve', async () => {
    const summary = await getJson<TreeSummary>(viewer, '/api/tree');
    assert.deepEqual(
      summary.tasks.map((x) => x.id),
      [task],
    );
  });

  await t.test('the server is read-only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      assert.equal((await rawGet(viewer, `/api/tasks/${task}/files/image/${sample}`, method)).status, 405);
    }
  });
});

test('a samed2 tree without manifest.jsonl or medbank.json: counts from split files, boxes measured on masks', async (t) => {
  const { root } = await fixtureTree(t, { sources: ['CVC-ClinicDB'], size: 64, layout: 'samed2' });
  const rows = new Map<string, ManifestRow>((await readManifest(root)).map((r) => [r.name, r]));
  await rm(path.join(root, 'manifest.jsonl'));
  await rm(path.join(root, 'medbank.json'));
  const viewer = await startViewer({ root, port: 0 });
  t.after(() => viewer.close());

  const summary = await getJson<TreeSummary>(viewer, '/api/tree');
  assert.equal(summary.hasManifest, false);
  assert.equal(summary.hasRecord, false);
  assert.equal(summary.tasks.length, 1);
  const task = summary.tasks[0];
  assert.equal(task.layout, 'samed2');
  assert.equal(task.modality, undefined);
  for (const split of ['train', 'val', 'test'] as const) {
    const lines = (await readFile(path.join(root, task.id, `${split}.txt`), 'utf8')).split('\n').filter(Boolean);
    assert.ok(lines.every((l) => l.startsWith('./image/')));
    assert.equal(task.counts[split], lines.length);
    const page = await getJson<SamplePage>(viewer, `/api/tasks/${task.id}/samples?split=${split}&limit=500`);
    assert.deepEqual(
      page.items.map((i) => i.name),
      lines.map((l) => l.slice('./image/'.length, -'.png'.length)),
    );
  }

  for (const [name, row] of rows) {
    const detail = await getJson<SampleDetail>(viewer, `/api/tasks/${task.id}/samples/${name}`);
    assert.equal(detail.manifest, undefined);
    assert.equal(detail.bboxFrom, 'mask');
    assert.deepEqual(detail.bbox, row.bbox, name);
    assert.equal(detail.foreground, row.foreground, name);
    assert.equal(detail.width, 64);
  }

  const name = rows.keys().next().value!;
  const maskThumb = await rawGet(viewer, `/api/tasks/${task.id}/thumbs/mask/${name}?size=64`);
  assert.equal(maskThumb.status, 200);
  assert.equal((await sharp(maskThumb.body).metadata()).channels, 1);
  const data = await sharp(maskThumb.body).extractChannel(0).raw().toBuffer();
  assert.deepEqual(new Set(data), new Set([0, 255]));
  const stats = await getJson<TreeStats>(viewer, '/api/stats');
  assert.equal(stats.tasks[0].total, task.counts.total);
  // Without a manifest the foreground histogram is measured on the masks: every sample is counted.
  assert.equal(
    stats.tasks[0].foregroundFraction.counts.reduce((a, b) => a + b, 0),
    task.counts.total,
  );
});

test('paging a task of 100,000 samples reads one page, fast', async (t) => {
  const { root } = await fixtureTree(t, { sources: ['BUSI'], size: 64 });
  const big = path.join(root, 'Big_UT_98');
  await mkdir(path.join(big, 'images'), { recursive: true });
  await mkdir(path.join(big, 'masks'), { recursive: true });
  const names = Array.from({ length: 100_000 }, (_, i) => `big_${String(i).padStart(6, '0')}`);
  await writeFile(path.join(big, 'train.txt'), names.map((n) => `${n}.png\n`).join(''));
  const viewer = await startViewer({ root, port: 0 });
  t.after(() => viewer.close());

  await getJson<SamplePage>(viewer, `/api/tasks/Big_UT_98/samples?split=train&limit=48`);
  const started = performance.now();
  const last = await getJson<SamplePage>(viewer, `/api/tasks/Big_UT_98/samples?split=all&offset=99990&limit=48`);
  const ms = performance.now() - started;
  assert.equal(last.total, 100_000);
  assert.deepEqual(
    last.items.map((i) => i.name),
    names.slice(99_990),
  );
  assert.ok(ms < 250, `a page took ${ms.toFixed(0)} ms`);
  const neighbour = await rawGet(viewer, `/api/tasks/Big_UT_98/samples/big_099999`);
  assert.equal(neighbour.status, 404, 'a listed sample without files is not served');
  assert.equal((await rawGet(viewer, `/api/tasks/Big_UT_98/samples?split=nope`)).status, 400);
  assert.equal((await rawGet(viewer, `/api/tasks/Big_UT_98/samples?limit=100000`)).status, 400);
});

test('sample detail walks the chosen split: neighbours and position follow the split file', async (t) => {
  const { root } = await fixtureTree(t, { sources: ['CVC-ClinicDB'], size: 64 });
  const viewer = await startViewer({ root, port: 0 });
  t.after(() => viewer.close());
  const task = (await getJson<TreeSummary>(viewer, '/api/tree')).tasks[0].id;
  const train = (await readFile(path.join(root, task, 'train.txt'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/\.png$/, ''));
  const second = await getJson<SampleDetail>(viewer, `/api/tasks/${task}/samples/${train[1]}?split=train`);
  assert.deepEqual(second.position, { filter: 'train', index: 1, total: train.length, previous: train[0], next: train[2] });
  const last = await getJson<SampleDetail>(viewer, `/api/tasks/${task}/samples/${train.at(-1)}?split=test`);
  assert.equal(last.position.filter, 'train', 'a split the sample is not in falls back to its own');
  assert.equal(last.position.next, undefined);
});

test('medbank view prints a loopback URL that serves the tree, and refuses a missing tree', async (t) => {
  const { root } = await fixtureTree(t, { sources: ['BUSI'], size: 64 });
  const child = spawn(process.execPath, [CLI, 'view', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill());
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`medbank view exited with ${code}: ${out}`)));
  });
  const summary = (await (await fetch(`${url}api/tree`)).json()) as TreeSummary;
  assert.deepEqual(
    summary.tasks.map((x) => x.id),
    ['BreastTumor_UT_0'],
  );

  const r = await runCli(['view', path.join(os.tmpdir(), 'no-such-medbank-tree'), '--port', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is not a folder/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});

test('the server answers only requests addressed to loopback or its bound name (DNS rebinding), and hides the tree path', async (t) => {
  const { root } = await fixtureTree(t, { sources: ['BUSI'], size: 64 });
  const viewer = await startViewer({ root, port: 0 });
  t.after(() => viewer.close());
  const port = new URL(viewer.url).port;
  const statusFor = async (v: Viewer, host: string) => (await rawGet(v, '/api/tree', 'GET', { host })).status;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
    assert.equal(await statusFor(viewer, host), 200, host);
  }
  for (const host of [
    `evil.example:${port}`,
    `evil.example`,
    `127.0.0.1`,
    `127.0.0.1:1`,
    `localhost.evil.example:${port}`,
    `10.0.0.1:${port}`,
  ]) {
    const r = await rawGet(viewer, '/api/tree', 'GET', { host });
    assert.equal(r.status, 421, host);
    assert.doesNotMatch(r.body.toString(), /BreastTumor|medbank-viewer-/, `${host} got tree content`);
  }
  const asset = await rawGet(viewer, '/', 'GET', { host: `evil.example:${port}` });
  assert.equal(asset.status, 421, 'the front-end is refused too');

  const summary = await getJson<TreeSummary>(viewer, '/api/tree');
  assert.equal(summary.name, path.basename(root));
  assert.equal(summary.root, undefined);
  assert.ok(!JSON.stringify(summary).includes(root), 'the absolute path reached the page');

  const named = await startViewer({ root, port: 0, allowedHosts: ['medbank.lan'], showPath: true });
  t.after(() => named.close());
  const namedPort = new URL(named.url).port;
  assert.equal(await statusFor(named, `medbank.lan:${namedPort}`), 200);
  assert.equal(await statusFor(named, `other.lan:${namedPort}`), 421);
  assert.equal((await getJson<TreeSummary>(named, '/api/tree')).root, root);
});

test('safeSegment and confineTo refuse each way out of a folder on their own', async (t) => {
  for (const raw of ['..', '.', '%2e%2e', '%2E%2e', '..%2f', 'a%2fb', 'a%5cb', '%00', '%2fetc', '%E0%A4%A', '']) {
    assert.equal(safeSegment(raw), undefined, raw);
  }
  assert.equal(safeSegment('busi_benign_1'), 'busi_benign_1');
  assert.equal(safeSegment('a%20b.png'), 'a b.png');

  const { dir, root } = await fixtureTree(t, { sources: ['BUSI'], size: 64 });
  await writeFile(path.join(dir, 'secret.txt'), SECRET);
  await symlink(path.join(dir, 'secret.txt'), path.join(root, 'link.txt'));
  await writeFile(path.join(root, 'inside.txt'), 'inside');
  await symlink(path.join(root, 'inside.txt'), path.join(root, 'inner-link.txt'));
  const confined = await confineTo(root);
  for (const rel of [
    '../secret.txt',
    'BreastTumor_UT_0/../../secret.txt',
    path.join(dir, 'secret.txt'),
    'link.txt',
    'inside.txt\0',
    '.',
    '',
  ]) {
    assert.equal(await confined.file(rel), undefined, rel);
  }
  assert.equal(await confined.file('inside.txt'), path.join(confined.root, 'inside.txt'));
  assert.equal(await confined.file('inner-link.txt'), path.join(confined.root, 'inside.txt'), 'a symlink that stays inside is followed');
});
