/** Running one benchmarked command: wall time and peak RSS (GNU time), output bytes of a folder. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));
export const CLI = path.join(REPO, 'dist', 'src', 'cli', 'main.js');
export const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';

export interface Run {
  seconds: number;
  /** Largest resident set of the process (or of its largest child), MiB; null without GNU time. */
  peakRssMiB: number | null;
  /** User plus system CPU seconds of the process and its children (GNU time); null without it. A fairer figure than wall time on a loaded machine. */
  cpuSeconds: number | null;
  code: number;
  stderr: string;
}

export async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const useTime = existsSync(TIME);
  const [exe, argv] = useTime ? [TIME, ['-f', 'BENCH_MAXRSS_KB %M %U %S', cmd, ...args]] : [cmd, args];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(exe, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const m = /BENCH_MAXRSS_KB (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({
        seconds,
        peakRssMiB: m ? Number(m[1]) / 1024 : null,
        cpuSeconds: m ? Number(m[2]) + Number(m[3]) : null,
        code: code ?? 1,
        stderr: stderr.replace(/BENCH_MAXRSS_KB .*\n?/, ''),
      });
    });
  });
}

export async function checked(what: string, run: Promise<Run>): Promise<Run> {
  const r = await run;
  if (r.code !== 0 && r.code !== 2) throw new Error(`${what} failed (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
  return r;
}

/** Bytes of the image and mask files below task folders (records and state excluded). */
export async function outputBytes(dir: string): Promise<{ images: number; masks: number; files: number }> {
  const out = { images: 0, masks: 0, files: 0 };
  for (const task of await readdir(dir)) {
    if (task.startsWith('.')) continue;
    for (const [sub, key] of [
      ['images', 'images'],
      ['image', 'images'],
      ['masks', 'masks'],
      ['mask', 'masks'],
    ] as const) {
      const folder = path.join(dir, task, sub);
      for (const f of await readdir(folder).catch(() => [] as string[])) {
        out[key] += (await stat(path.join(folder, f))).size;
        out.files++;
      }
    }
  }
  return out;
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
