// Every source declares what fetch downloads (or why not, with steps), with well-formed facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog } from '../src/catalog/registry.js';
import { entryPath } from '../src/acquire/unpack.js';

const HEX = { sha256: /^[0-9a-f]{64}$/, md5: /^[0-9a-f]{32}$/ };

test('each source declares its downloads: https URLs, checksums with an origin, safe unpack targets, manual steps', async () => {
  const sources = await catalog();
  assert.equal(sources.length, 17);
  for (const s of sources) {
    const where = `${s.id}.fetch`;
    assert.ok(s.fetch.manual.reason.length > 10, `${where}: manual reason`);
    assert.ok(
      s.fetch.manual.steps.some((step) => step.includes(`<raw>/.downloads/${s.id}/`)),
      `${where}: the steps say where to put an archive by hand`,
    );
    assert.ok(s.fetch.routes.length > 0 || s.fetch.anyArchive, `${where}: a route, or any archive placed by hand`);
    for (const route of s.fetch.routes) {
      const names = route.archives.map((a) => a.name);
      assert.equal(new Set(names).size, names.length, `${where}: archive names are unique`);
      for (const a of route.archives) {
        assert.ok(a.origin.length > 5, `${where}.${a.name}: origin of the URL`);
        assert.doesNotMatch(a.name, /[/\\]/, `${where}.${a.name}: a plain file name`);
        if (a.from.kind === 'url') assert.match(a.from.url, /^https:\/\//, `${where}.${a.name}: https only`);
        for (const c of a.checksums) {
          assert.match(c.value, HEX[c.algorithm], `${where}.${a.name}: ${c.algorithm} is hex of the right length`);
          assert.ok(c.origin.length > 5, `${where}.${a.name}: where the checksum comes from`);
        }
        assert.ok(!('refused' in entryPath('/raw/x', a.into)), `${where}.${a.name}: unpack target stays inside`);
      }
    }
  }
  const byId = new Map(sources.map((s) => [s.id, s]));
  const archive = (id: string, name: string) =>
    byId
      .get(id)!
      .fetch.routes.flatMap((r) => r.archives)
      .find((a) => a.name === name)!;
  assert.equal(
    archive('MSD_Lung', 'Task06_Lung.tar')
      .checksums.map((c) => `${c.algorithm}:${c.value}`)
      .join(' '),
    'md5:8afd997733c7fc0432f71255ba4e52dc sha256:f782cd09da9cf7a3128475d4a53650d371db10f0427aa76e166fccfcb2654161',
  );
  assert.equal(archive('REFUGE', 'REFUGE-Training400.zip').size, 716_807_624);
  assert.equal(archive('KiTS19', 'case_00209.nii.gz').into, 'imaging/case_00209/imaging.nii.gz');
  assert.equal(byId.get('KiTS19')!.fetch.routes[0].archives.length, 211);
  assert.equal(archive('BTCV', 'RawData.zip').from.kind, 'synapse');
  assert.equal(archive('COVID-QU-Ex', 'covidqu.zip').from.kind, 'kaggle');
  assert.equal(archive('CAMUS', 'CAMUS.zip').rebuiltPerDownload, true);
  assert.equal(archive('BUSI', 'Dataset_BUSI.zip').from.kind, 'hand', 'the broken-certificate host is never fetched');
});
