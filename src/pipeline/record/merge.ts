/**
 * `medbank merge <out>`: the record phase of a sharded build. Checks that every shard of one
 * layout finished the same plan, then writes manifest, split files, medbank.json, card and
 * citations exactly as an unsharded build would (the merged tree is byte-identical to it).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { selectSources } from '../../catalog/registry.js';
import { UsageError } from '../../errors.js';
import type { BuildRecord } from '../../contract/build-record.js';
import { removeStaleTemps } from '../../io/files/atomic.js';
import { finishedJobs } from '../build.js';
import { writeRecords } from './record.js';
import { parseRatios } from '../plan/splits.js';
import { readPlanIndex } from '../plan/plan-file.js';
import { jobFingerprinter, readShardDones, STATE_DIR } from '../plan/tree-state.js';

export interface MergeResult {
  record: BuildRecord;
  shards: number;
}

export async function merge(out: string): Promise<MergeResult> {
  const outDir = path.resolve(out);
  const optionsText = await readFile(path.join(outDir, STATE_DIR, 'options.json'), 'utf8').catch(() => undefined);
  if (optionsText === undefined) throw new UsageError(`${outDir} is not a MedBank build folder (no ${STATE_DIR}/options.json)`);
  const stored = JSON.parse(optionsText) as BuildRecord['options'];
  // options.json is key-sorted; medbank.json lists options in the order a build writes them.
  const options: BuildRecord['options'] = {
    size: stored.size,
    layout: stored.layout,
    resize: stored.resize,
    seed: stored.seed,
    ratios: stored.ratios,
    keepEmpty: stored.keepEmpty,
    minArea: stored.minArea ?? 0,
    grey: stored.grey,
    ...(stored.keep3d ? { keep3d: true } : {}),
    ...(stored.links === false ? { links: false as const } : {}),
    sources: stored.sources,
    sourceOptions: stored.sourceOptions,
    license: stored.license ?? 'any',
  };
  const dones = await readShardDones(outDir);
  const noShard = () => new UsageError(`no finished shard in ${outDir}: run "medbank build --shard i/n" for every shard first`);
  if (dones.length === 0) throw noShard();
  const count = dones[0].shard.count;
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!dones.some((d) => d.shard.count === count && d.shard.index === i)) missing.push(i);
  if (missing.length || dones.some((d) => d.shard.count !== count)) {
    throw new UsageError(
      `not every shard finished: missing ${missing.map((i) => `${i}/${count}`).join(', ') || '(mixed shard counts)'}; rerun those shards, then merge`,
    );
  }
  const plan = await readPlanIndex(path.join(outDir, STATE_DIR));
  if (!plan) throw noShard();
  try {
    const stale = dones.filter((d) => d.plan !== plan.hash);
    if (stale.length) {
      throw new UsageError(
        `shard(s) ${stale.map((d) => `${d.shard.index}/${count}`).join(', ')} converted another plan (the raw folder changed since); rerun them, then merge`,
      );
    }
    await removeStaleTemps(outDir);

    // Scan problems and notes are the same in every shard; conversion problems belong to one shard each.
    const seen = new Set<string>();
    const problems = dones
      .flatMap((d) => d.problems)
      .filter((p) => {
        const key = `${p.source}\0${p.file}\0${p.reason}`;
        return seen.has(key) ? false : (seen.add(key), true);
      });
    const sources = await selectSources(options.sources);
    const { size, resize, layout, keepEmpty, seed, grey, keep3d, minArea } = options;
    const fingerprint = jobFingerprinter({
      size,
      resize,
      layout,
      keepEmpty,
      seed,
      grey,
      ...(keep3d ? { keep3d } : {}),
      ...(minArea ? { minArea } : {}),
      rawRoot: '',
      outDir,
    });
    const record = await writeRecords({
      outDir,
      sources,
      finished: (task) => finishedJobs(outDir, plan.index, fingerprint, task),
      problems,
      notes: dones[0].notes,
      files: dones[0].files ?? {},
      options,
      ratios: parseRatios(options.ratios),
    });
    return { record, shards: count };
  } finally {
    await plan.index.close();
  }
}
