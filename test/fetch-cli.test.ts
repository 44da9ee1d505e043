// `medbank fetch` on the command line: fake Kaggle and Synapse endpoints checking the token header
// (and no token in any output or file), guided steps without a token, archives placed by hand,
// --verify, --expect, --dry-run, and kill -9 during a transfer and during unpacking.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fixtureFor } from '../src/fixtures/registry.js';
import { CLI, runCli, tempDir, treeHashes } from './helpers.js';
import { loopback, mirrorOf, sendFile } from './fetch-server.js';
import { fileHashes, packFolder } from './fetch-archives.js';

const KAGGLE_KEY = 'kaggle-key-5f1c9e7d2b';
const SYNAPSE_TOKEN = 'synapse-pat-8e2d4a6c0f';

/** Every file below `dir` as text, to look for leaked tokens. */
async function allText(dir: string): Promise<string> {
  let out = '';
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out += (await readFile(path.join(e.parentPath, e.name))).toString('latin1');
  }
  return out;
}

async function packFixture(t: TestContext, dir: string, source: string, sub: string, out: string): Promise<boolean> {
  await (await fixtureFor(source)).generate(path.join(dir, 'fixtures'));
  await mkdir(path.dirname(out), { recursive: true });
  return packFolder(t, 'zip', path.join(dir, 'fixtures', source, sub), out);
}

test('Kaggle and Synapse downloads send the token to the API only; no token in any output or file', async (t) => {
  const dir = await tempDir(t);
  const covid = path.join(dir, 'store', 'covidqu.zip');
  const btcv = path.join(dir, 'store', 'RawData.zip');
  if (!(await packFixture(t, dir, 'COVID-QU-Ex', '', covid))) return;
  await packFixture(t, dir, 'BTCV', '', btcv);
  const storage = await loopback(t, (req, res) => {
    readFile(path.join(dir, 'store', path.basename(req.url ?? '').replace(/\?.*$/, ''))).then(
      (data) => sendFile(req, res, data, {}, { count: 0 }),
      () => res.writeHead(404).end(),
    );
  });
  const basic = `Basic ${Buffer.from(`alice:${KAGGLE_KEY}`).toString('base64')}`;
  const ids: Record<string, string> = { 'syn3193805/Abdomen': 'syn100', 'syn100/RawData.zip': 'syn200' };
  const api = await loopback(t, (req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/kaggle/')) {
      if (req.headers.authorization !== basic)
        return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Unauthenticated"}');
      if (url === '/kaggle/datasets/download/anasmohammedtahir/covidqu')
        return void res.writeHead(302, { location: `${storage.url}/covidqu.zip?X-Goog-Signature=abc` }).end();
      return void res.writeHead(404).end();
    }
    if (req.headers.authorization !== `Bearer ${SYNAPSE_TOKEN}`) return void res.writeHead(401).end();
    if (req.method === 'POST' && url === '/repo/v1/entity/child') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { parentId, entityName } = JSON.parse(body) as { parentId: string; entityName: string };
        const id = ids[`${parentId}/${entityName}`];
        if (id) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
        else res.writeHead(404).end();
      });
      return;
    }
    if (url === '/repo/v1/entity/syn200/file') return void res.writeHead(307, { location: `${storage.url}/RawData.zip?sig=1` }).end();
    res.writeHead(404).end();
  });
  const raw = path.join(dir, 'raw');
  const env = {
    HOME: dir,
    KAGGLE_USERNAME: 'alice',
    KAGGLE_KEY,
    SYNAPSE_AUTH_TOKEN: SYNAPSE_TOKEN,
    MEDBANK_KAGGLE_API_URL: `${api.url}/kaggle`,
    MEDBANK_SYNAPSE_API_URL: `${api.url}/repo/v1`,
  };
  const r = await runCli(['fetch', '--raw', raw, '--sources', 'COVID-QU-Ex,BTCV', '--json'], env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const outcomes = JSON.parse(r.stdout) as { source: string; status: string; archives: { name: string; url: string; sha256: string }[] }[];
  assert.deepEqual(
    outcomes.map((o) => [o.source, o.status]),
    [
      ['COVID-QU-Ex', 'fetched'],
      ['BTCV', 'fetched'],
    ],
  );
  assert.equal(
    outcomes[0].archives[0].url,
    `${api.url}/kaggle/datasets/download/anasmohammedtahir/covidqu`,
    'the lock keeps the URL asked for, not the signed one',
  );
  assert.equal(outcomes[1].archives[0].sha256, (await fileHashes(btcv)).sha256);
  assert.ok(storage.seen.length >= 2 && storage.seen.every((s) => s.headers.authorization === undefined), 'no token sent to storage');
  assert.ok((await readdir(path.join(raw, 'BTCV', 'BTCV'))).length > 0, 'RawData.zip unpacked');
  const everything = r.stdout + r.stderr + (await allText(raw));
  for (const secret of [KAGGLE_KEY, SYNAPSE_TOKEN, Buffer.from(`alice:${KAGGLE_KEY}`).toString('base64'), 'X-Goog-Signature'])
    assert.ok(!everything.includes(secret), `"${secret}" leaked into the output or the raw folder`);

  // A rejected token is an error naming the URL, still without the token.
  const bad = await runCli(['fetch', '--raw', path.join(dir, 'raw-bad'), '--sources', 'COVID-QU-Ex'], {
    ...env,
    KAGGLE_KEY: 'wrong-key-123',
  });
  assert.equal(bad.code, 2);
  assert.match(
    bad.stdout,
    /COVID-QU-Ex +failed +0 +http:\/\/127\.0\.0\.1:\d+\/kaggle\/datasets\/download\/anasmohammedtahir\/covidqu: HTTP 401/,
  );
  assert.ok(!(bad.stdout + bad.stderr).includes('wrong-key-123'));
});

test('without a token: the exact steps; an archive placed by hand is verified, unpacked and pinned; doctor; --verify', async (t) => {
  const dir = await tempDir(t);
  const raw = path.join(dir, 'raw');
  const env = { HOME: dir, KAGGLE_USERNAME: '', KAGGLE_KEY: '', SYNAPSE_AUTH_TOKEN: '' };
  const none = await runCli(['fetch', '--raw', raw, '--sources', 'COVID-QU-Ex'], env);
  assert.equal(none.code, 2, 'a requested source that cannot be fetched fails');
  assert.match(none.stdout, /COVID-QU-Ex: Kaggle needs a \(free\) account and its API token\n {2}1\. Set up a Kaggle API token/);
  assert.match(none.stdout, /3\. Put the zip as covidqu\.zip in <raw>\/\.downloads\/COVID-QU-Ex\//);

  const zip = path.join(dir, 'covidqu.zip');
  if (!(await packFixture(t, dir, 'COVID-QU-Ex', '', zip))) return;
  await mkdir(path.join(raw, '.downloads', 'COVID-QU-Ex'), { recursive: true });
  await copyFile(zip, path.join(raw, '.downloads', 'COVID-QU-Ex', 'covidqu.zip'));
  const placed = await runCli(['fetch', '--raw', raw, '--sources', 'COVID-QU-Ex', '--json'], env);
  assert.equal(placed.code, 0, placed.stderr + placed.stdout);
  const [o] = JSON.parse(placed.stdout) as { status: string; archives: { sha256: string; pinnedBy: string }[] }[];
  assert.equal(o.status, 'fetched');
  assert.deepEqual(
    o.archives.map((a) => [a.sha256, a.pinnedBy]),
    [[(await fileHashes(zip)).sha256, 'first download']],
  );

  await mkdir(path.join(raw, '.downloads', 'AMOS'));
  await writeFile(path.join(raw, '.downloads', 'AMOS', 'amos22.zip.partial'), Buffer.alloc(1500));
  await mkdir(path.join(raw, 'BUSI'));
  const doctor = await runCli(['doctor', '--raw', raw], { ...env, KAGGLE_USERNAME: 'bob', KAGGLE_KEY: KAGGLE_KEY });
  assert.equal(doctor.code, 0, doctor.stderr);
  assert.match(doctor.stdout, /^Kaggle token: found \(KAGGLE_USERNAME\/KAGGLE_KEY\)$/m);
  assert.match(doctor.stdout, /^Synapse token: not found/m);
  assert.match(doctor.stdout, /^COVID-QU-Ex +verified +unpacked by fetch/m);
  assert.match(doctor.stdout, /^AMOS +partial +amos22\.zip 1\.5 KB downloaded so far$/m);
  assert.match(doctor.stdout, /^BUSI +unpacked +.*was not unpacked by fetch/m);
  assert.match(doctor.stdout, /^LiTS +missing +needs a person: the download needs a CodaLab login/m);
  assert.ok(!doctor.stdout.includes(KAGGLE_KEY));

  const ok = await runCli(['fetch', '--raw', raw, '--verify'], env);
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /COVID-QU-Ex: ok\n {2}covidqu\.zip: sha256 matches\n {2}unpacked files match \(\d+ files/);
  const victim = (await readdir(path.join(raw, 'COVID-QU-Ex'), { recursive: true, withFileTypes: true })).find((e) => e.isFile())!;
  await writeFile(path.join(victim.parentPath, victim.name), 'changed');
  const changed = await runCli(['fetch', '--raw', raw, '--verify'], env);
  assert.equal(changed.code, 2);
  assert.match(changed.stdout, /COVID-QU-Ex: MISMATCH\n.*\n {2}unpacked files differ: the lock has/);
});

test('--dry-run lists every source with archives, checksum origins, credentials and disk; --expect is checked', async (t) => {
  const dir = await tempDir(t);
  const dry = await runCli(['fetch', '--raw', path.join(dir, 'raw'), '--dry-run'], {
    HOME: dir,
    KAGGLE_USERNAME: '',
    KAGGLE_KEY: '',
    SYNAPSE_AUTH_TOKEN: '',
  });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    /^MSD_Lung: to fetch\n {2}Task06_Lung\.tar {2}size unknown\n.*\n {4}md5:8afd997733c7fc0432f71255ba4e52dc \(MONAI apps\/datasets\.py\), sha256:f782cd09/m,
  );
  assert.match(dry.stdout, /^REFUGE-Validation400-GT\.zip|^ {2}REFUGE-Validation400-GT\.zip {2}5\.3 MB$/m);
  assert.match(dry.stdout, /^BTCV: needs a person: Synapse needs an account/m);
  assert.match(dry.stdout, /^LiTS: needs a person: .*\n {2}Training_Batch1\.zip {2}size unknown {2}\(to be placed by hand\)/m);
  assert.match(dry.stdout, /^disk: 1\.8 GB to download where sizes are known, plus \d+ archive\(s\) of unknown size/m);
  assert.equal(await stat(path.join(dir, 'raw')).catch(() => undefined), undefined, 'a dry run writes nothing');

  const mirror = path.join(dir, 'mirror');
  const zip = path.join(mirror, 'PlantDoc', 'PlantDoc-Object-Detection-Dataset-b479f723.zip');
  if (!(await packFixture(t, dir, 'PlantDoc', 'PlantDoc-Object-Detection-Dataset-master', zip))) return;
  const server = await mirrorOf(t, mirror);
  const sums = path.join(dir, 'SHA256SUMS');
  await writeFile(sums, `${'ab'.repeat(32)}  PlantDoc-Object-Detection-Dataset-b479f723.zip\n`);
  const r = await runCli(['fetch', '--raw', path.join(dir, 'raw'), '--sources', 'plantdoc', '--mirror', server.url, '--expect', sums]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, new RegExp(`sha256 mismatch: expected ${'ab'.repeat(32)} \\(--expect\\), got ${(await fileHashes(zip)).sha256}`));
});

/** Starts `medbank fetch` and kills it with SIGKILL once `ready()` says so; resolves when it is dead. */
async function killWhen(args: string[], ready: () => Promise<boolean>): Promise<void> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    if (await ready()) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(await exited, null, 'killed before it finished');
}

test('kill -9 during a transfer and during unpacking: reruns resume and the raw folder equals an uninterrupted fetch', async (t) => {
  const dir = await tempDir(t);
  const mirror = path.join(dir, 'mirror');
  const name = 'PlantDoc-Object-Detection-Dataset-b479f723.zip';
  const fixtureTop = path.join(dir, 'fixtures', 'PlantDoc', 'PlantDoc-Object-Detection-Dataset-master');
  await (await fixtureFor('PlantDoc')).generate(path.join(dir, 'fixtures'));
  // Many small files make unpacking last long enough to be interrupted.
  await mkdir(path.join(fixtureTop, 'filler'));
  for (let i = 0; i < 800; i++) await writeFile(path.join(fixtureTop, 'filler', `${i}.txt`), `filler ${i}\n`.repeat(20));
  await mkdir(path.join(mirror, 'PlantDoc'), { recursive: true });
  if (!packFolder(t, 'zip', fixtureTop, path.join(mirror, 'PlantDoc', name))) return;
  const data = await readFile(path.join(mirror, 'PlantDoc', name));
  let throttled = true;
  const server = await loopback(t, (req, res) =>
    sendFile(req, res, data, throttled ? { throttle: { bytes: 8192, ms: 25 } } : {}, { count: 0 }),
  );
  const raw = path.join(dir, 'raw');
  const args = ['fetch', '--raw', raw, '--sources', 'PlantDoc', '--mirror', server.url, '--quiet'];
  const downloads = path.join(raw, '.downloads', 'PlantDoc');

  await killWhen(args, async () => ((await stat(path.join(downloads, `${name}.partial`)).catch(() => undefined))?.size ?? 0) > 20_000);
  const partial = (await stat(path.join(downloads, `${name}.partial`))).size;
  assert.ok(partial > 0 && partial < data.length, 'a partial download was left');

  throttled = false;
  const seenBefore = server.seen.length;
  await killWhen(args, async () => !!(await stat(path.join(downloads, '.unpack')).catch(() => undefined)));
  assert.match(server.seen[seenBefore].headers.range ?? '', /^bytes=\d+-$/, 'the rerun resumed with a Range request');
  assert.equal(await stat(path.join(raw, 'PlantDoc')).catch(() => undefined), undefined, 'no half-unpacked source in place');

  const done = await runCli(args);
  assert.equal(done.code, 0, done.stdout + done.stderr);
  assert.match(done.stdout, /PlantDoc +fetched/);

  const clean = path.join(dir, 'raw-clean');
  const whole = await runCli(['fetch', '--raw', clean, '--sources', 'PlantDoc', '--mirror', server.url, '--quiet']);
  assert.equal(whole.code, 0, whole.stdout);
  assert.deepEqual(await treeHashes(raw), await treeHashes(clean));
});
