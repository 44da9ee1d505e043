/**
 * Scanning a source with its file accounting: the folder is walked once (walk.ts), the adapter
 * describes its jobs from that listing, and every file found is then counted as used, named by a
 * problem, or ignored with a reason (debris, the adapter's ignore rules, files of other types). An
 * image or annotation file that ends in none of these is reported: nothing is dropped in silence.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileAccount, Job, Problem, ScanOptions, ScanResult, SourceAdapter } from './types.js';
import { walkSource, type WalkIo } from './walk.js';
import { compareText } from '../contract/order.js';

export interface SourceScan extends ScanResult {
  files: FileAccount;
}

/** Extensions of the files a sample can be made from: images, volumes, masks and annotation files. */
const DATA_FILE = /\.(png|jpe?g|bmp|tiff?|gif|webp|nii|nii\.gz|mha|mhd|raw|zraw|nrrd|dcm|xml|csv|json)$/i;
const ARCHIVE = /\.(zip|tar|tgz|tar\.gz|gz|7z|rar)$/i;

export const UNACCOUNTED = 'an image or annotation file that no sample uses and no rule of this source ignores';
const ARCHIVE_REASON = 'archive (MedBank reads unpacked files only)';
const OTHER_TYPE = 'not an image or annotation file';

/** Adds the raw files a job reads (relative to the raw root) to `into`. */
function addJobFiles(job: Job, into: Set<string>): void {
  into.add(job.image);
  if (job.kind === 'volume') {
    into.add(job.label);
    // A MetaImage header's data file beside it (`x.mhd` + `x.raw` or `x.zraw`) is used with it.
    for (const f of [job.image, job.label]) if (/\.mhd$/i.test(f)) for (const data of ['.raw', '.zraw']) into.add(f.slice(0, -4) + data);
    return;
  }
  for (const { mask } of job.targets) {
    if (mask.kind === 'luma-above') for (const f of mask.files) into.add(f);
    else if (mask.kind === 'luma-below' || mask.kind === 'labels') into.add(mask.file);
  }
}

/**
 * A scan's problems when folders could not be listed: a mask "missing" may sit in one of them, so
 * each reason names the unreadable folder as the likely cause.
 */
function withUnreadable(problems: Problem[], unreadable: string[]): Problem[] {
  if (unreadable.length === 0) return problems;
  const folders = unreadable.length === 1 ? unreadable[0] : `${unreadable[0]} and ${unreadable.length - 1} more folder(s)`;
  return problems.map((p) => ({ ...p, reason: `${p.reason} (perhaps because ${folders} could not be listed)` }));
}

export async function scanSource(
  source: SourceAdapter,
  { rawRoot, options, io }: { rawRoot: string; options: ScanOptions; io?: WalkIo },
): Promise<SourceScan> {
  const sourceDir = path.join(rawRoot, source.id);
  const walk = await walkSource(sourceDir, rawRoot, io);
  const read = new Set<string>();
  const result = await source.scan({
    sourceDir,
    rawRoot,
    options,
    files: walk.files,
    readText: (file) => {
      read.add(path.relative(rawRoot, file));
      return readFile(file, 'utf8');
    },
  });

  const used = read;
  for (const job of result.jobs) addJobFiles(job, used);
  const named = new Set(result.problems.map((p) => p.file));
  const account: FileAccount = { total: 0, used: 0, problems: walk.linksNotFollowed, ignored: {} };
  const ignore = (reason: string, n = 1): void => void (account.ignored[reason] = (account.ignored[reason] ?? 0) + n);
  for (const [reason, n] of walk.ignored) ignore(reason, n);
  const unaccounted: Problem[] = [];
  // Every walked file starts with `sourceDir/`: slicing is much cheaper than path.relative on 30,000 files.
  const skip = sourceDir.length + 1;
  const prefix = `${path.relative(rawRoot, sourceDir)}${path.sep}`;
  for (const file of walk.files) {
    const inSource = file.slice(skip);
    const rel = prefix + inSource;
    if (used.has(rel)) account.used++;
    else if (named.has(rel)) account.problems++;
    else {
      const portable = path.sep === '/' ? inSource : inSource.split(path.sep).join('/');
      const rule = source.ignore?.find((r) => r.pattern.test(portable));
      if (rule) ignore(rule.reason);
      else if (DATA_FILE.test(file)) {
        account.problems++;
        unaccounted.push({ file: rel, reason: UNACCOUNTED });
      } else ignore(ARCHIVE.test(file) ? ARCHIVE_REASON : OTHER_TYPE);
    }
  }
  account.ignored = Object.fromEntries(Object.entries(account.ignored).sort(([a], [b]) => compareText(a, b)));
  account.total = account.used + account.problems + Object.values(account.ignored).reduce((a, b) => a + b, 0);
  return { ...result, problems: [...walk.problems, ...withUnreadable(result.problems, walk.unreadable), ...unaccounted], files: account };
}
