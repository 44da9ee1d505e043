// `medbank export --format webdataset`: tar shards read with Python's tarfile the way WebDataset groups members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { python, runCli } from './helpers.js';
import { assertCountsMatch, assertNoGroupLeak, fixtureTree, readExportRecord, scratchDir } from './export-helpers.js';

/** WebDataset's grouping: a member's key is its name up to the first dot of the basename, the rest its field. */
const TAR_READER = `
import sys, os, json, tarfile, hashlib, io
from PIL import Image
root = sys.argv[1]
shards = json.load(open(os.path.join(root, 'shards.json')))
out = {}
for split, info in shards.items():
    samples = []
    for f in info['files']:
        with tarfile.open(os.path.join(root, f)) as t:
            current = None
            for m in t.getmembers():
                key, field = m.name.split('.', 1)
                data = t.extractfile(m).read()
                if current is None or current['key'] != key:
                    current = {'key': key, 'shard': f, 'fields': {}}
                    samples.append(current)
                current['fields'][field] = data
    rows = []
    for s in samples:
        f = s['fields']
        meta = json.loads(f['json'])
        image = Image.open(io.BytesIO(f['image.png']))
        mask = Image.open(io.BytesIO(f['mask.png']))
        rows.append({'key': s['key'], 'shard': s['shard'], 'fields': sorted(f), 'task': meta['task'], 'name': meta['name'],
                     'split': meta['split'], 'group': meta.get('group'), 'image_sha256': hashlib.sha256(f['image.png']).hexdigest(),
                     'sizes': [list(image.size), image.mode, list(mask.size), mask.mode], 'prompts': meta['prompts']})
    out[split] = rows
print(json.dumps(out))
`;

interface Row {
  key: string;
  shard: string;
  fields: string[];
  task: string;
  name: string;
  split: string;
  group: string;
  image_sha256: string;
  sizes: [number[], string, number[], string];
  prompts: { box: number[]; point: number[]; instances: { box: number[] }[] };
}

test('webdataset export: shards per split, keys without dots, image/mask/json members, counts as the tree, seeded shuffle', async (t) => {
  const { out: tree, record, rows } = await fixtureTree();
  const dir = await scratchDir('wds');
  const out = path.join(dir, 'a');
  const args = ['export', tree, '--format', 'webdataset', '--shard-size', '100kB', '--instances'];
  const r = await runCli([...args, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assertCountsMatch(await readExportRecord(out), record);
  assert.equal((await runCli([...args, '--out', path.join(dir, 'b')])).code, 0);
  assert.equal((await runCli([...args, '--out', path.join(dir, 'c'), '--seed', '1', '--splits', 'train'])).code, 0);
  const shards = JSON.parse(await readFile(path.join(out, 'shards.json'), 'utf8')) as Record<string, { files: string[]; pattern: string }>;
  assert.ok(shards.train.files.length > 2, 'several train shards');
  assert.equal(shards.train.pattern, `train-{00000..${String(shards.train.files.length - 1).padStart(5, '0')}}.tar`);
  const same = await readFile(path.join(dir, 'b', 'train-00000.tar'));
  assert.deepEqual(await readFile(path.join(out, 'train-00000.tar')), same, 'same seed, same bytes');

  const read = python(t, TAR_READER, [out]) as Record<string, Row[]> | undefined;
  const reseeded = python(t, TAR_READER, [path.join(dir, 'c')]) as Record<string, Row[]> | undefined;
  if (!read || !reseeded) return;
  const byKey = new Map(rows.map((x) => [`${x.task}__${x.name}`, x]));
  const placed = new Map<string, string>();
  for (const [split, list] of Object.entries(read)) {
    for (const s of list) {
      assert.ok(!s.key.includes('.'), `key ${s.key} holds a dot`);
      const row = byKey.get(s.key);
      assert.ok(row, `${s.key}: no such sample`);
      assert.equal(s.split, split);
      assert.equal(row.split, split);
      assert.equal(s.image_sha256, row.sha256.image, `${s.key}: image bytes differ from the tree`);
      assert.deepEqual(s.sizes, [[64, 64], 'RGB', [64, 64], 'L']);
      assert.deepEqual(s.prompts.box, row.bbox);
      const instances = s.fields.filter((f) => f.startsWith('instance_'));
      assert.ok(instances.length >= 1 && instances.length === s.prompts.instances.length, `${s.key}: instance members`);
      assert.deepEqual(
        s.fields.filter((f) => !f.startsWith('instance_')),
        ['image.png', 'json', 'mask.png'],
      );
      placed.set(`${row.task}/${row.name}`, split);
    }
    assert.equal(list.length, rows.filter((x) => x.split === split).length);
  }
  assert.equal(placed.size, rows.length);
  assertNoGroupLeak(rows, placed);
  // Shuffled across shards: the first train shard mixes tasks, and another seed gives another order.
  const firstShard = read.train.filter((s) => s.shard === 'train-00000.tar');
  assert.ok(new Set(firstShard.map((s) => s.task)).size > 1, 'first shard holds one task only');
  const keys = read.train.map((s) => s.key);
  assert.notDeepEqual(keys, [...keys].sort());
  assert.notDeepEqual(
    keys,
    reseeded.train.map((s) => s.key),
  );
  assert.deepEqual([...keys].sort(), reseeded.train.map((s) => s.key).sort());
});
