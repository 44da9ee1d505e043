// `medbank export --format hf`: Parquet shards read back with hyparquet (a reader, not the writer): schema, rows per split, pixels, card.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { runCli } from './helpers.js';
import { assertCountsMatch, assertNoGroupLeak, fixtureTree, readExportRecord, scratchDir } from './export-helpers.js';

interface HfRow {
  image: { bytes: Uint8Array; path: string };
  mask: { bytes: Uint8Array; path: string };
  task: string;
  name: string;
  source: string;
  group: string;
  modality: string;
  license: string;
  bbox: number[] | null;
  point: number[] | null;
  instances: string;
}

test('hf export: Image structs {bytes, path}, one shard set per task and split, rows and pixels as the tree, YAML configs per task', async () => {
  const { out: tree, record, rows } = await fixtureTree();
  const out = path.join(await scratchDir('hf'), 'export');
  const r = await runCli(['export', tree, '--format', 'hf', '--out', out, '--shard-size', '40kB', '--instances']);
  assert.equal(r.code, 0, r.stderr);
  assertCountsMatch(await readExportRecord(out), record);

  const placed = new Map<string, string>();
  const counted = new Map<string, number>();
  let shardSets = 0;
  for (const task of await readdir(path.join(out, 'data'))) {
    const files = (await readdir(path.join(out, 'data', task))).sort();
    for (const split of ['train', 'val', 'test']) {
      const mine = files.filter((f) => f.startsWith(`${split}-`));
      if (!mine.length) continue;
      shardSets++;
      mine.forEach((f, i) => assert.equal(f, `${split}-${String(i).padStart(5, '0')}-of-${String(mine.length).padStart(5, '0')}.parquet`));
      for (const f of mine) {
        const bytes = await readFile(path.join(out, 'data', task, f));
        const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
        const metadata = parquetMetadata(buffer);
        const schema = parquetSchema(metadata);
        const image = schema.children.find((c) => c.element.name === 'image');
        assert.deepEqual(
          image?.children.map((c) => [c.element.name, c.element.type]),
          [
            ['bytes', 'BYTE_ARRAY'],
            ['path', 'BYTE_ARRAY'],
          ],
        );
        const hfMeta = metadata.key_value_metadata?.find((kv) => kv.key === 'huggingface');
        const features = (JSON.parse(hfMeta?.value ?? '{}') as { info: { features: Record<string, { _type: string }> } }).info.features;
        assert.equal(features.image._type, 'Image');
        assert.equal(features.mask._type, 'Image');
        const read = (await parquetReadObjects({ file: buffer, utf8: false })) as unknown as HfRow[];
        for (const x of read) {
          assert.equal(typeof x.name, 'string', 'UTF8 columns read as text');
          assert.ok(x.image.bytes instanceof Uint8Array, 'image bytes read as bytes');
          const row = rows.find((y) => y.task === task && y.name === x.name);
          assert.ok(row, `${task}/${x.name}: not in the tree`);
          assert.equal(x.image.path, `${x.name}.png`);
          assert.equal(row.split, split);
          assert.equal(createHash('sha256').update(x.image.bytes).digest('hex'), row.sha256.image);
          assert.equal(createHash('sha256').update(x.mask.bytes).digest('hex'), row.sha256.mask);
          assert.deepEqual(x.bbox, row.bbox);
          assert.equal(String(x.license), record.tasks.find((t) => t.id === task)?.license.spdx);
          assert.ok(JSON.parse(String(x.instances)).length >= 1);
          placed.set(`${task}/${row.name}`, split);
          counted.set(`${task}:${split}`, (counted.get(`${task}:${split}`) ?? 0) + 1);
        }
        // The first image decodes to the tree's pixels.
        const fromParquet = await sharp(read[0].image.bytes).raw().toBuffer();
        const row = rows.find(
          (y) => y.task === task && y.split === split && createHash('sha256').update(read[0].image.bytes).digest('hex') === y.sha256.image,
        )!;
        assert.deepEqual(fromParquet, await sharp(path.join(tree, row.image)).raw().toBuffer());
      }
    }
  }
  assert.ok(shardSets >= 9);
  for (const t of record.tasks)
    for (const s of ['train', 'val', 'test'] as const) assert.equal(counted.get(`${t.id}:${s}`) ?? 0, t.counts[s], `${t.id} ${s}`);
  assert.equal(placed.size, rows.length);
  assertNoGroupLeak(rows, placed);

  const card = await readFile(path.join(out, 'README.md'), 'utf8');
  const yaml = card.split('---')[1];
  for (const t of record.tasks)
    assert.match(
      yaml,
      new RegExp(`- config_name: ${t.id}\\n  data_files:\\n  - split: train\\n    path: data/${t.id}/train-\\*\\.parquet`),
    );
  assert.match(yaml, /- config_name: default\n/);
  assert.doesNotMatch(yaml, /data\/Myocardium_MR_14\/val-/, 'a config names a split without files');
  assert.match(card, /@\w+\{/, 'the card carries the citations');
});
