/**
 * Build progress on stderr: a redrawn bar with rate and ETA on a terminal, a plain line every few
 * seconds in a log (not a TTY), nothing but problems with --quiet or --json.
 */
import type { ProgressEvent, SourceCounts } from '../pipeline/build.js';
import { textTable } from './format.js';

export type ProgressMode = 'bar' | 'lines' | 'silent';

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export function progressMode(sink: ProgressSink, quiet: boolean): ProgressMode {
  return quiet ? 'silent' : sink.isTTY ? 'bar' : 'lines';
}

export interface ProgressPrinter {
  onProgress(e: ProgressEvent): void;
  /** Ends the bar (the next output starts on a clean line). */
  end(): void;
}

const LINE_EVERY_MS = 5000;
const REDRAW_EVERY_MS = 100;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** `verbs`: the words of the bar and of the log line (`medbank export` says exporting/exported). */
export function progressPrinter(
  mode: ProgressMode,
  sink: ProgressSink = process.stderr,
  now: () => number = Date.now,
  verbs: [string, string] = ['converting', 'converted'],
): ProgressPrinter {
  let start: { at: number; done: number } | undefined;
  let lastDraw = 0;
  let barShown = false;
  let last: Extract<ProgressEvent, { kind: 'converted' }> | undefined;

  const status = (e: Extract<ProgressEvent, { kind: 'converted' }>): { pct: string; rate: number; eta: number } => {
    start ??= { at: now(), done: e.done };
    const seconds = (now() - start.at) / 1000;
    const rate = seconds > 0 ? (e.done - start.done) / seconds : 0;
    const eta = rate > 0 ? (e.total - e.done) / rate : Infinity;
    const pct = e.total ? `${Math.floor((100 * e.done) / e.total)}%` : '100%';
    return { pct, rate, eta };
  };
  const drawBar = (e: Extract<ProgressEvent, { kind: 'converted' }>): void => {
    const { pct, rate, eta } = status(e);
    const tail = ` ${pct} ${e.done}/${e.total}  ${rate.toFixed(1)}/s  ETA ${formatDuration(eta)}${e.resumed ? `  (${e.resumed} kept)` : ''}`;
    const width = Math.max(10, Math.min(40, (sink.columns ?? 80) - tail.length - 12));
    const filled = e.total ? Math.round((width * e.done) / e.total) : width;
    sink.write(`\r\x1b[K${verbs[0]} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${tail}`);
    barShown = true;
  };
  const clearBar = (): void => {
    if (barShown) sink.write('\r\x1b[K');
    barShown = false;
  };
  const println = (text: string): void => {
    clearBar();
    sink.write(`${text}\n`);
    if (mode === 'bar' && last) drawBar(last);
  };

  return {
    onProgress(e) {
      if (e.kind === 'problem') {
        println(`problem: ${e.file}: ${e.reason}`);
        return;
      }
      if (e.kind === 'excluded') {
        println(`left out by --license: ${e.source}: ${e.reason}`);
        return;
      }
      if (e.kind === 'links-unavailable') {
        println(`note: ${e.reason}`);
        return;
      }
      if (mode === 'silent') return;
      if (e.kind === 'recording') println('recording splits, manifest and medbank.json');
      else if (e.kind === 'scanned') println(`${e.source}: ${e.jobs} raw samples${e.notes.length ? ` (${e.notes.join('; ')})` : ''}`);
      else if (e.kind === 'converted') {
        last = e;
        const t = now();
        const final = e.done === e.total;
        if (mode === 'bar') {
          if (final || t - lastDraw >= REDRAW_EVERY_MS) {
            lastDraw = t;
            drawBar(e);
          }
        } else if (final || t - lastDraw >= LINE_EVERY_MS || !start) {
          lastDraw = t;
          const { pct, rate, eta } = status(e);
          sink.write(
            `${verbs[1]} ${e.done}/${e.total} (${pct}), ${rate.toFixed(1)} per s, ETA ${formatDuration(eta)}${e.resumed ? `, ${e.resumed} kept from an earlier run` : ''}\n`,
          );
        }
      }
    },
    end() {
      if (barShown) sink.write('\n');
      barShown = false;
      last = undefined;
    },
  };
}

export function sourceCountsTable(perSource: Record<string, SourceCounts>): string {
  const rows = Object.entries(perSource).map(([id, c]) => [id, c.jobs, c.resumed, c.converted, c.failed, c.samples]);
  return textTable(['source', 'raw samples', 'kept', 'converted', 'failed', 'written'], rows);
}
