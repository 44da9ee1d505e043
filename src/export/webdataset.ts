/**
 * webdataset: tar shards per split (`<split>-NNNNN.tar`, up to `--shard-size` bytes each), samples
 * shuffled by `--seed` across shards. Members sharing a key form a sample: `<key>.image.png`,
 * `<key>.mask.png`, `<key>.json` (the manifest row and the mask's prompts), and with
 * `--instances` `<key>.instance_NNN.png`. `shards.json` lists the shards and their brace pattern.
 */
import tar from 'tar-stream';
import type { Split } from '../catalog/types.js';
import { planShards, sampleKey, sampleRecord, seededOrder } from './sample-record.js';
import type { ExportContext, ExportFormat } from './types.js';
import { walkTree, type TreeSample } from './walker.js';

const EPOCH = new Date(0);

async function writeShard(ctx: ExportContext, file: string, samples: TreeSample[]): Promise<void> {
  let wrote = false;
  await ctx.out.stream(file, async (write) => {
    wrote = true;
    const pack = tar.pack();
    const drained = (async () => {
      for await (const chunk of pack) await write(chunk as Buffer);
    })();
    const add = (name: string, bytes: Buffer) =>
      new Promise<void>((resolve, reject) => pack.entry({ name, mtime: EPOCH, mode: 0o644 }, bytes, (e) => (e ? reject(e) : resolve())));
    for (const s of samples)
      await ctx.settle([s], async () => {
        const r = await sampleRecord(ctx, s);
        await add(`${r.key}.image.png`, r.image);
        await add(`${r.key}.mask.png`, r.mask);
        for (const [k, m] of r.instanceMasks.entries()) await add(`${r.key}.instance_${String(k).padStart(3, '0')}.png`, m);
        await add(`${r.key}.json`, Buffer.from(JSON.stringify({ ...r.row, prompts: r.prompts })));
      });
    pack.finalize();
    await drained;
  });
  // A shard kept from an earlier run holds its samples already.
  if (!wrote) for (const s of samples) await ctx.settle([s], async () => undefined);
}

const webdataset: ExportFormat = {
  name: 'webdataset',
  accepts: ['instances', 'minArea', 'shardSize', 'seed'],
  async run(ctx) {
    const shards: Record<string, { files: string[]; pattern: string; samples: number }> = {};
    for (const split of ctx.tree.splits) {
      const samples: TreeSample[] = [];
      for await (const s of walkTree(ctx.tree, { split })) samples.push(s);
      const planned = await planShards(ctx, seededOrder(samples, sampleKey, ctx.options.seed), ctx.options.shardSize);
      const files = planned.map((_, i) => `${split}-${String(i).padStart(5, '0')}.tar`);
      for (const [i, group] of planned.entries()) await writeShard(ctx, files[i], group);
      const last = String(Math.max(0, files.length - 1)).padStart(5, '0');
      shards[split as Split] = { files, pattern: `${split}-{00000..${last}}.tar`, samples: planned.flat().length };
    }
    await ctx.out.replace('shards.json', `${JSON.stringify(shards, null, 2)}\n`);
    return { shards };
  },
};

export default webdataset;
