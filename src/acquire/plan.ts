/**
 * The fetch plan of one source: which of its ways (routes) is used, each archive's state in
 * `<raw>/.downloads/<id>/` (verified, placed by hand, partial, missing) and what is still needed
 * (a token, a person). No network: `--dry-run` and `doctor` print it as is.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArchiveFormat, FetchArchive, FetchRoute, SourceAdapter, SourceFetch } from '../catalog/types.js';
import type { Credentials, Endpoints } from './credentials.js';
import { archiveNeeds, displayUrl } from './resolve.js';
import { treeShapeMatches, type RawLock } from './lock.js';

export const DOWNLOADS = '.downloads';
export const PARTIAL_SUFFIX = '.partial';
export const REJECTED_SUFFIX = '.rejected';

export type ArchiveState = 'verified' | 'placed' | 'partial' | 'missing';

export interface PlannedArchive {
  archive: FetchArchive;
  url: string;
  state: ArchiveState;
  /** Bytes already on disk (a partial or placed file). */
  bytesOnDisk: number;
  /** What is missing to get it: a token or a person's download. */
  blocked?: 'kaggle' | 'synapse' | 'hand';
}

/**
 * `ready`: unpacked by fetch and still shaped as the lock says; `present`: `<raw>/<id>` exists but
 * is not (or no longer) what fetch unpacked, so it is left alone; `fetch`: to download and unpack;
 * `manual`: needs a person (or a token) first.
 */
export type SourceStatus = 'ready' | 'present' | 'fetch' | 'manual';

export interface SourcePlan {
  source: string;
  status: SourceStatus;
  archives: PlannedArchive[];
  notes: string[];
  manual: SourceFetch['manual'];
  /** Bytes still to download where sizes are known, and how many sizes are unknown. */
  toDownload: { bytes: number; unknown: number };
}

export interface PlanContext {
  raw: string;
  mirror?: string;
  credentials: Credentials;
  endpoints: Endpoints;
  lock?: RawLock;
}

export function downloadsDir(raw: string, source: string): string {
  return path.join(raw, DOWNLOADS, source);
}

const ANY_ARCHIVE: [RegExp, ArchiveFormat][] = [
  [/\.zip$/i, 'zip'],
  [/\.(tar\.gz|tgz)$/i, 'tar.gz'],
  [/\.tar$/i, 'tar'],
  [/\.rar$/i, 'rar'],
];

/** For sources whose archive names are unknown: every archive a person placed, as a route. */
async function placedRoute(dir: string, source: SourceAdapter): Promise<FetchRoute | undefined> {
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  const archives: FetchArchive[] = [];
  for (const name of names) {
    const format = ANY_ARCHIVE.find(([re]) => re.test(name))?.[1];
    if (format)
      archives.push({
        name,
        from: { kind: 'hand' },
        origin: `placed by hand (${source.fetch.manual.reason})`,
        checksums: [],
        format,
        into: '',
      });
  }
  return archives.length ? { archives } : undefined;
}

async function sizeOf(file: string): Promise<number | undefined> {
  return (await stat(file).catch(() => undefined))?.size;
}

async function archiveState(dir: string, archive: FetchArchive, source: string, ctx: PlanContext): Promise<PlannedArchive> {
  const url = displayUrl(archive, source, ctx);
  const final = await sizeOf(path.join(dir, archive.name));
  if (final !== undefined) {
    const locked = ctx.lock?.sources[source]?.archives.find((a) => a.name === archive.name);
    return { archive, url, state: locked && locked.size === final ? 'verified' : 'placed', bytesOnDisk: final };
  }
  const partial = await sizeOf(path.join(dir, archive.name + PARTIAL_SUFFIX));
  const needs = archiveNeeds(archive);
  const blocked =
    ctx.mirror || needs === 'nothing' || (needs === 'kaggle' && ctx.credentials.kaggle) || (needs === 'synapse' && ctx.credentials.synapse)
      ? undefined
      : needs;
  return { archive, url, state: partial !== undefined ? 'partial' : 'missing', bytesOnDisk: partial ?? 0, blocked };
}

const onDisk = (a: PlannedArchive): boolean => a.state === 'verified' || a.state === 'placed';

export async function planSource(source: SourceAdapter, ctx: PlanContext): Promise<SourcePlan> {
  const dir = downloadsDir(ctx.raw, source.id);
  const plan: SourcePlan = {
    source: source.id,
    status: 'manual',
    archives: [],
    notes: [],
    manual: source.fetch.manual,
    toDownload: { bytes: 0, unknown: 0 },
  };
  const locked = ctx.lock?.sources[source.id];
  const target = path.join(ctx.raw, source.id);
  if (await sizeOf(target).then((s) => s !== undefined)) {
    if (locked && (await treeShapeMatches(target, locked.unpacked))) plan.status = 'ready';
    else {
      plan.status = 'present';
      plan.notes.push(
        locked
          ? `${target} differs from what fetch unpacked (files added or changed): left as is; run "medbank fetch --verify", or remove it to fetch again`
          : `${target} exists and was not unpacked by fetch: left as is (remove it to fetch)`,
      );
    }
    return plan;
  }

  const routes = source.fetch.anyArchive ? [await placedRoute(dir, source)].filter((r): r is FetchRoute => !!r) : source.fetch.routes;
  const states = await Promise.all(routes.map((r) => Promise.all(r.archives.map((a) => archiveState(dir, a, source.id, ctx)))));
  const required = (i: number): PlannedArchive[] => states[i].filter((a) => !a.archive.optional);
  let chosen = states.findIndex((_, i) => required(i).every(onDisk));
  if (chosen < 0 && ctx.mirror && routes.length) chosen = 0;
  if (chosen < 0) chosen = states.findIndex((_, i) => required(i).every((a) => !a.blocked));
  if (chosen < 0) {
    plan.archives = states[0] ?? [];
    return plan;
  }
  const route = routes[chosen];
  plan.status = 'fetch';
  if (route.note) plan.notes.push(route.note);
  for (const a of states[chosen]) {
    if (a.archive.optional && a.blocked) {
      plan.notes.push(`optional ${a.archive.name} is not here (${source.fetch.manual.reason}): put it in ${dir} to include it`);
      continue;
    }
    plan.archives.push(a);
    if (onDisk(a)) continue;
    if (a.archive.size !== undefined) plan.toDownload.bytes += Math.max(0, a.archive.size - a.bytesOnDisk);
    else plan.toDownload.unknown++;
  }
  return plan;
}
