/**
 * Fetch progress on stderr: on a terminal, one redrawn line per running transfer and a total, each
 * with bytes/s and ETA; in a log, a plain line per file every few seconds and at each event.
 */
import type { FetchEvent } from '../acquire/fetch.js';
import { formatDuration, type ProgressMode, type ProgressSink } from './progress.js';

const REDRAW_EVERY_MS = 200;
const LINE_EVERY_MS = 5000;

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

interface Running {
  done: number;
  total?: number;
  at: number;
  from: number;
}

export interface FetchProgress {
  onEvent(e: FetchEvent): void;
  end(): void;
}

/** `expectedBytes`: what the plan will download where sizes are known (for the total's ETA). */
export function fetchProgress(
  mode: ProgressMode,
  expectedBytes: number,
  sink: ProgressSink = process.stderr,
  now: () => number = Date.now,
): FetchProgress {
  const running = new Map<string, Running>();
  const started = now();
  let finishedBytes = 0;
  let drawnLines = 0;
  let lastDraw = 0;
  let lastLine = 0;

  const rate = (r: Running): number => {
    const s = (now() - r.at) / 1000;
    return s > 0 ? (r.done - r.from) / s : 0;
  };
  const describe = (name: string, r: Running): string => {
    const speed = rate(r);
    const eta = r.total !== undefined && speed > 0 ? (r.total - r.done) / speed : Infinity;
    const pct = r.total ? ` ${Math.floor((100 * r.done) / r.total)}%` : '';
    return `${name}: ${formatBytes(r.done)}${r.total ? ` of ${formatBytes(r.total)}` : ''}${pct}, ${formatBytes(speed)}/s, ETA ${formatDuration(eta)}`;
  };
  const totalLine = (): string => {
    const done = finishedBytes + [...running.values()].reduce((a, r) => a + r.done - r.from, 0);
    const s = (now() - started) / 1000;
    const speed = s > 0 ? done / s : 0;
    const eta = expectedBytes > 0 && speed > 0 ? Math.max(0, expectedBytes - done) / speed : Infinity;
    return `total: ${formatBytes(done)}${expectedBytes ? ` of ${formatBytes(expectedBytes)}` : ''}, ${formatBytes(speed)}/s, ETA ${formatDuration(eta)}`;
  };
  const clear = (): void => {
    if (drawnLines) sink.write(`\x1b[${drawnLines}F\x1b[J`);
    drawnLines = 0;
  };
  const draw = (): void => {
    clear();
    const lines = [...[...running].map(([name, r]) => describe(name, r)), totalLine()];
    const width = (sink.columns ?? 100) - 1;
    sink.write(lines.map((l) => l.slice(0, width)).join('\n') + '\n');
    drawnLines = lines.length;
  };
  const println = (text: string): void => {
    if (mode === 'silent') return;
    if (mode === 'bar') clear();
    sink.write(`${text}\n`);
    if (mode === 'bar' && running.size) draw();
  };

  return {
    onEvent(e) {
      if (e.kind === 'start') {
        running.set(`${e.source}/${e.archive}`, { done: e.from, total: e.total, at: now(), from: e.from });
        println(`${e.source}: downloading ${e.archive}${e.from ? ` (resuming at ${formatBytes(e.from)})` : ''}`);
      } else if (e.kind === 'bytes') {
        const r = running.get(`${e.source}/${e.archive}`);
        if (!r) return;
        r.done = e.done;
        r.total = e.total;
        const t = now();
        if (mode === 'bar' && t - lastDraw >= REDRAW_EVERY_MS) {
          lastDraw = t;
          draw();
        } else if (mode === 'lines' && t - lastLine >= LINE_EVERY_MS) {
          lastLine = t;
          for (const [name, run] of running) sink.write(`${describe(name, run)}\n`);
          sink.write(`${totalLine()}\n`);
        }
      } else if (e.kind === 'retry') println(`${e.source}: ${e.archive}: ${e.reason}; retrying in ${Math.round(e.waitMs / 100) / 10} s`);
      else if (e.kind === 'downloaded') {
        const key = `${e.source}/${e.archive}`;
        finishedBytes += e.bytes - (running.get(key)?.from ?? 0);
        running.delete(key);
        println(`${e.source}: ${e.archive} downloaded and verified (${formatBytes(e.bytes)}${e.resumed ? ', resumed' : ''})`);
      } else if (e.kind === 'unpacking') println(`${e.source}: unpacking`);
      else if (e.kind === 'source') {
        const o = e.outcome;
        for (const key of [...running.keys()]) if (key.startsWith(`${o.source}/`)) running.delete(key);
        if (o.status === 'failed') println(`${o.source}: FAILED${o.error?.url ? ` (${o.error.url})` : ''}: ${o.error?.reason ?? ''}`);
        else if (o.status === 'fetched') println(`${o.source}: ready`);
      }
    },
    end() {
      if (mode === 'bar') clear();
    },
  };
}
