/** `medbank fetch`: download, verify and unpack raw sources; the plan with --dry-run; a lock check with --verify. */
import type { Command } from 'commander';
import { selectSources } from '../../catalog/registry.js';
import { fetchSources, type FetchResult, type SourceOutcome } from '../../acquire/fetch.js';
import type { SourcePlan } from '../../acquire/plan.js';
import { checkRaw } from '../../acquire/check-raw.js';
import { readExpectFile } from '../../acquire/verify.js';
import { UsageError } from '../../errors.js';
import { intOption, listOption } from '../options.js';
import { progressMode } from '../progress.js';
import { fetchProgress, formatBytes } from '../fetch-progress.js';
import { interruptible } from '../interrupt.js';
import { textTable } from '../format.js';

function mirrorOption(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--mirror must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--mirror must be an http(s) URL, got "${value}"`);
  if (url.username || url.password) throw new UsageError('--mirror must not carry a user name or password in the URL');
  return value;
}

const NEEDS: Record<string, string> = {
  kaggle: 'needs a Kaggle API token',
  synapse: 'needs a Synapse token',
  hand: 'to be placed by hand',
};

export function planText(plans: SourcePlan[]): string {
  const lines: string[] = [];
  let bytes = 0;
  let unknown = 0;
  for (const p of plans) {
    const head = {
      ready: 'ready (unpacked, as the lock says)',
      present: 'present (left as is)',
      fetch: 'to fetch',
      manual: `needs a person: ${p.manual.reason}`,
    }[p.status];
    lines.push(`${p.source}: ${head}`);
    const shown = p.archives.length > 12 ? p.archives.slice(0, 3) : p.archives;
    for (const a of shown) {
      const sums = a.archive.checksums.length
        ? a.archive.checksums.map((c) => `${c.algorithm}:${c.value} (${c.origin})`).join(', ')
        : a.archive.rebuiltPerDownload
          ? 'no stable hash (the server rebuilds it): the unpacked files are pinned'
          : 'no published hash: pinned in the lock on first download';
      const state = a.state === 'missing' ? '' : ` [${a.state}${a.state === 'partial' ? ` ${formatBytes(a.bytesOnDisk)}` : ''}]`;
      lines.push(
        `  ${a.archive.name}  ${a.archive.size !== undefined ? formatBytes(a.archive.size) : 'size unknown'}${state}${a.blocked ? `  (${NEEDS[a.blocked]})` : ''}`,
      );
      lines.push(`    from ${a.url}`);
      lines.push(`    ${sums}`);
    }
    if (shown.length < p.archives.length) lines.push(`  ... and ${p.archives.length - shown.length} more archives like these`);
    for (const n of p.notes) lines.push(`  note: ${n}`);
    if (p.status === 'manual') p.manual.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
    bytes += p.toDownload.bytes;
    unknown += p.toDownload.unknown;
  }
  lines.push(
    `disk: ${formatBytes(bytes)} to download where sizes are known${unknown ? `, plus ${unknown} archive(s) of unknown size` : ''}; unpacking needs the unpacked size again (archives are kept in .downloads/)`,
  );
  return lines.join('\n');
}

function outcomeDetail(o: SourceOutcome): string {
  if (o.status === 'failed') return `${o.error?.url ? `${o.error.url}: ` : ''}${o.error?.reason ?? ''}`;
  if (o.status === 'manual') return o.manual?.reason ?? '';
  return o.notes[0] ?? '';
}

export function resultText(result: FetchResult): string {
  const rows = result.outcomes.map((o) => [o.source, o.status, o.archives.length, outcomeDetail(o)]);
  const out = [textTable(['source', 'status', 'archives', 'detail'], rows)];
  for (const o of result.outcomes.filter((x) => x.manual)) {
    out.push(`\n${o.source}: ${o.manual!.reason}`);
    o.manual!.steps.forEach((s, i) => out.push(`  ${i + 1}. ${s}`));
  }
  return out.join('\n');
}

export function registerFetch(program: Command): void {
  program
    .command('fetch')
    .description('download, verify and unpack the raw sources into --raw (guided steps for the gated ones)')
    .requiredOption('--raw <dir>', 'raw folder: one folder per source, archives in .downloads/, the lock medbank-raw.lock.json')
    .option('--sources <ids>', 'comma-separated source ids (default: every source that can be fetched)', listOption)
    .option('--jobs <n>', 'downloads at once', intOption('--jobs', 1, 32), 2)
    .option('--dry-run', 'print the plan (archives, sizes, checksums and their origin, credentials, disk) and stop', false)
    .option('--mirror <url>', 'fetch every archive as <url>/<SourceId>/<archive name> (checksums still checked)', mirrorOption)
    .option('--expect <file>', 'expected sha256 of archives, in sha256sum format (for archives the catalog cannot pin)')
    .option('--verify', 'recheck the raw folder against its lock (archives and unpacked files) and stop', false)
    .option('--quiet', 'print only problems and the summary (no progress)', false)
    .option('--json', 'print the per-source result as JSON', false)
    .action(async (o) => {
      if (o.verify) {
        const checks = await checkRaw(o.raw, o.sources && (await selectSources(o.sources)).map((a) => a.id));
        if (o.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
        else
          for (const c of checks)
            process.stdout.write(`${c.source}: ${c.ok ? 'ok' : 'MISMATCH'}\n${c.findings.map((f) => `  ${f}\n`).join('')}`);
        if (checks.some((c) => !c.ok)) process.exitCode = 2;
        return;
      }
      const sources = await selectSources(o.sources);
      const expect = o.expect ? await readExpectFile(o.expect) : undefined;
      const common = { raw: o.raw, sources, explicit: !!o.sources?.length, jobs: o.jobs, mirror: o.mirror, expect, env: process.env };
      const planned = await fetchSources({ ...common, dryRun: true });
      if (o.dryRun) {
        process.stdout.write(o.json ? `${JSON.stringify(planned.plans, null, 2)}\n` : `${planText(planned.plans)}\n`);
        return;
      }
      const expected = planned.plans.reduce((a, p) => a + p.toDownload.bytes, 0);
      const progress = fetchProgress(progressMode(process.stderr, o.quiet || o.json), expected);
      const interrupt = interruptible('stopping the transfers (partial files are kept and resumed by the next run)');
      const result = await fetchSources({ ...common, signal: interrupt.signal, onEvent: progress.onEvent }).finally(() => {
        progress.end();
        interrupt.dispose();
      });
      process.stdout.write(o.json ? `${JSON.stringify(result.outcomes, null, 2)}\n` : `${resultText(result)}\n`);
      if (interrupt.signal.aborted) process.exitCode = 130;
      else if (result.outcomes.some((x) => x.status === 'failed')) process.exitCode = 2;
    });
}
