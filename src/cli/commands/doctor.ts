/**
 * `medbank doctor`: what a fetch or a build can count on here. Node version, the optional PNG
 * addon, free disk at --raw and --out against the known download sizes, each source's state, and
 * which credentials were found (where from, never their values).
 */
import type { Command } from 'commander';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from '../../catalog/registry.js';
import { endpoints, findCredentials } from '../../acquire/credentials.js';
import { readLock } from '../../acquire/lock.js';
import { planSource, type SourcePlan } from '../../acquire/plan.js';
import { nativeAddon, nativeAddonError } from '../../io/native-addon.js';
import { formatBytes } from '../fetch-progress.js';
import { textTable } from '../format.js';

const MIN_NODE = 20;

/** Free bytes on the file system holding `dir` (or its nearest existing parent). */
async function freeBytes(dir: string): Promise<number | undefined> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const s = await statfs(d).catch(() => undefined);
    if (s) return s.bavail * s.bsize;
    if (path.dirname(d) === d) return undefined;
  }
}

/** One word for a source's raw state, and its detail. */
export function sourceState(plan: SourcePlan): [string, string] {
  if (plan.status === 'ready') return ['verified', 'unpacked by fetch; file count and sizes match the lock (fetch --verify rehashes)'];
  if (plan.status === 'present') return ['unpacked', plan.notes[0] ?? ''];
  const partial = plan.archives.filter((a) => a.state === 'partial');
  const onDisk = plan.archives.filter((a) => a.state === 'verified' || a.state === 'placed');
  if (partial.length)
    return ['partial', `${partial.map((a) => `${a.archive.name} ${formatBytes(a.bytesOnDisk)}`).join(', ')} downloaded so far`];
  if (onDisk.length) return ['downloaded', `${onDisk.length} of ${plan.archives.length} archives in .downloads/, not unpacked yet`];
  return ['missing', plan.status === 'manual' ? `needs a person: ${plan.manual.reason}` : 'medbank fetch can download it'];
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check Node, the PNG addon, free disk, credentials and the state of each raw source')
    .option('--raw <dir>', 'raw folder to inspect', '.')
    .option('--out <dir>', 'output folder whose free disk to report')
    .option('--json', 'print the findings as JSON', false)
    .action(async (o) => {
      const major = Number(process.versions.node.split('.')[0]);
      const credentials = findCredentials(process.env);
      const lock = await readLock(o.raw);
      const plans = await Promise.all(
        (await catalog()).map((s) => planSource(s, { raw: path.resolve(o.raw), credentials, endpoints: endpoints(process.env), lock })),
      );
      const toDownload = plans.reduce((a, p) => a + p.toDownload.bytes, 0);
      const unknown = plans.reduce((a, p) => a + p.toDownload.unknown, 0);
      const rawFree = await freeBytes(o.raw);
      const outFree = o.out ? await freeBytes(o.out) : undefined;
      const report = {
        node: { version: process.versions.node, ok: major >= MIN_NODE },
        pngAddon: nativeAddon() ? { loaded: true } : { loaded: false, reason: nativeAddonError() ?? 'not built' },
        disk: {
          raw: {
            path: path.resolve(o.raw),
            free: rawFree,
            knownDownloads: toDownload,
            unknownSizes: unknown,
            enough: rawFree === undefined || rawFree >= toDownload,
          },
          ...(o.out ? { out: { path: path.resolve(o.out), free: outFree } } : {}),
        },
        credentials: {
          kaggle: credentials.kaggle
            ? `found (${credentials.kaggle.from})`
            : 'not found (KAGGLE_USERNAME/KAGGLE_KEY or ~/.kaggle/kaggle.json)',
          synapse: credentials.synapse ? `found (${credentials.synapse.from})` : 'not found (SYNAPSE_AUTH_TOKEN)',
        },
        sources: plans.map((p) => {
          const [state, detail] = sourceState(p);
          return { source: p.source, state, detail };
        }),
      };
      if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const lines = [
          `node: ${report.node.version}${report.node.ok ? '' : ` (MedBank needs ${MIN_NODE} or newer)`}`,
          `PNG addon: ${report.pngAddon.loaded ? 'loaded' : `not loaded, sharp's encoder is used (${report.pngAddon.reason})`}`,
          `disk at ${report.disk.raw.path}: ${rawFree === undefined ? 'unknown' : formatBytes(rawFree)} free; the known downloads need ${formatBytes(toDownload)}${unknown ? ` plus ${unknown} archive(s) of unknown size` : ''}, and unpacking about as much again${report.disk.raw.enough ? '' : ' (NOT ENOUGH)'}`,
          ...(o.out ? [`disk at ${path.resolve(o.out)}: ${outFree === undefined ? 'unknown' : formatBytes(outFree)} free`] : []),
          `Kaggle token: ${report.credentials.kaggle}`,
          `Synapse token: ${report.credentials.synapse}`,
          '',
          textTable(
            ['source', 'state', 'detail'],
            report.sources.map((s) => [s.source, s.state, s.detail]),
          ),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (!report.node.ok || !report.disk.raw.enough) process.exitCode = 2;
    });
}
