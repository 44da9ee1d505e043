// Safe unpacking: zip-slip, absolute tar paths, links pointing out, zip bombs, and a good tar.gz.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { entryPath, unpack, UnpackError } from '../src/acquire/unpack.js';
import { tempDir } from './helpers.js';
import { pythonArchive } from './fetch-server.js';
import { writeRar } from './fetch-archives.js';

const LIMITS = { maxBytes: 1 << 20, maxEntries: 1000 };

async function setup(t: Parameters<typeof tempDir>[0]): Promise<{ dir: string; root: string }> {
  const dir = await tempDir(t);
  return { dir, root: path.join(dir, 'work', 'unpack') };
}

test('entry paths: "..", absolute and drive paths are refused, others stay inside', () => {
  assert.deepEqual(entryPath('/r', 'a/./b.png'), { path: '/r/a/b.png' });
  assert.match((entryPath('/r', 'a/../../x') as { refused: string }).refused, /"\.\."/);
  assert.match((entryPath('/r', '/etc/passwd') as { refused: string }).refused, /absolute/);
  assert.match((entryPath('/r', 'C:\\x') as { refused: string }).refused, /absolute/);
  assert.match((entryPath('/r', '..\\x') as { refused: string }).refused, /"\.\."/);
});

test('a zip-slip zip is refused, naming the archive and the entry; nothing lands outside', async (t) => {
  const { dir, root } = await setup(t);
  const zip = path.join(dir, 'slip.zip');
  if (
    !pythonArchive(
      t,
      "import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w')\nz.writestr('ok/a.txt','fine')\nz.writestr('../../evil.txt','pwned')\nz.close()",
      [zip],
    )
  )
    return;
  await assert.rejects(unpack(zip, 'zip', root, '', 'slip.zip', LIMITS), (e: Error) => {
    assert.ok(e instanceof UnpackError);
    assert.match(e.message, /^slip\.zip: .*\.\.\/\.\.\/evil\.txt/);
    return true;
  });
  assert.equal(await stat(path.join(dir, 'evil.txt')).catch(() => undefined), undefined);
  assert.equal(await stat(path.join(dir, 'work', 'evil.txt')).catch(() => undefined), undefined);
});

test('a tar with an absolute path, and one with a symlink out, are refused with the entry named', async (t) => {
  const { dir, root } = await setup(t);
  const abs = path.join(dir, 'abs.tar');
  const link = path.join(dir, 'link.tar');
  const code = `import tarfile,io,sys
def add(t,name,data=b'x'):
    i=tarfile.TarInfo(name); i.size=len(data); t.addfile(i,io.BytesIO(data))
with tarfile.open(sys.argv[1],'w') as t:
    add(t,'Task/ok.txt'); add(t,'/tmp/medbank-abs-test.txt')
with tarfile.open(sys.argv[2],'w') as t:
    add(t,'Task/ok.txt')
    i=tarfile.TarInfo('Task/escape'); i.type=tarfile.SYMTYPE; i.linkname='../../../etc'; t.addfile(i)
    add(t,'Task/escape/passwd')`;
  if (!pythonArchive(t, code, [abs, link])) return;
  await assert.rejects(
    unpack(abs, 'tar', root, '', 'abs.tar', LIMITS),
    /^UnpackError: abs\.tar: entry "\/tmp\/medbank-abs-test\.txt": absolute path/,
  );
  await assert.rejects(
    unpack(link, 'tar', path.join(dir, 'other'), '', 'link.tar', LIMITS),
    /link\.tar: entry "Task\/escape": symbolic link to "\.\.\/\.\.\/\.\.\/etc" points outside the target folder/,
  );
  assert.equal(await stat('/tmp/medbank-abs-test.txt').catch(() => undefined), undefined);
});

test('a zip bomb is refused before it inflates past the bound', async (t) => {
  const { dir, root } = await setup(t);
  const zip = path.join(dir, 'bomb.zip');
  if (
    !pythonArchive(
      t,
      "import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\nz.writestr('small.txt','x')\nz.writestr('zeros.bin',b'\\0'*(8<<20))\nz.close()",
      [zip],
    )
  )
    return;
  assert.ok((await stat(zip)).size < 64 << 10, 'the bomb is small');
  await assert.rejects(
    unpack(zip, 'zip', root, '', 'bomb.zip', LIMITS),
    /bomb\.zip: entry "zeros\.bin": the archive inflates beyond 1048576 bytes/,
  );
  assert.equal(await stat(path.join(root, 'zeros.bin')).catch(() => undefined), undefined);
});

test('a tar.gz unpacks files, folders and AppleDouble files; links inside are listed as skipped', async (t) => {
  const { dir, root } = await setup(t);
  const tgz = path.join(dir, 'good.tar.gz');
  const code = `import tarfile,io,sys
def add(t,name,data):
    i=tarfile.TarInfo(name); i.size=len(data); t.addfile(i,io.BytesIO(data))
with tarfile.open(sys.argv[1],'w:gz') as t:
    d=tarfile.TarInfo('Task06_Lung'); d.type=tarfile.DIRTYPE; t.addfile(d)
    add(t,'Task06_Lung/imagesTr/lung_001.nii.gz',b'img'*100)
    add(t,'Task06_Lung/._lung_001.nii.gz',b'apple')
    i=tarfile.TarInfo('Task06_Lung/latest'); i.type=tarfile.SYMTYPE; i.linkname='imagesTr'; t.addfile(i)`;
  if (!pythonArchive(t, code, [tgz])) return;
  const r = await unpack(tgz, 'tar.gz', root, 'sub', 'good.tar.gz', LIMITS);
  assert.equal(r.files, 2);
  assert.equal(r.bytes, 305);
  assert.deepEqual(r.skipped, ['Task06_Lung/latest: symbolic link to imagesTr (links are not unpacked)']);
  assert.equal(await readFile(path.join(root, 'sub/Task06_Lung/._lung_001.nii.gz'), 'utf8'), 'apple');
  assert.deepEqual((await readdir(path.join(root, 'sub/Task06_Lung'))).sort(), ['._lung_001.nii.gz', 'imagesTr']);
});

test('a RAR (CVC-ClinicDB ships one) unpacks; one with an entry leaving the folder writes nothing', async (t) => {
  const { dir, root } = await setup(t);
  const good = path.join(dir, 'CVC-ClinicDB.rar');
  if (!writeRar(t, good, { 'CVC-ClinicDB/Original/1.tif': 'image', 'CVC-ClinicDB/Ground Truth/1.tif': 'mask' })) return;
  const r = await unpack(good, 'rar', root, '', 'CVC-ClinicDB.rar', LIMITS);
  assert.deepEqual([r.files, r.bytes], [2, 9]);
  assert.equal(await readFile(path.join(root, 'CVC-ClinicDB/Ground Truth/1.tif'), 'utf8'), 'mask');
  const bad = path.join(dir, 'bad.rar');
  writeRar(t, bad, { 'ok.txt': 'fine', '../evil.txt': 'pwned' });
  const other = path.join(dir, 'other');
  await assert.rejects(unpack(bad, 'rar', other, '', 'bad.rar', LIMITS), /bad\.rar: entry "\.\.\/evil\.txt": path with "\.\."/);
  assert.equal(await stat(path.join(other, 'ok.txt')).catch(() => undefined), undefined, 'checked before anything is written');
  assert.equal(await stat(path.join(dir, 'evil.txt')).catch(() => undefined), undefined);
});
