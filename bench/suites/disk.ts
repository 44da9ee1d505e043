/**
 * Disk use: the demo tree and a volume-heavy tree (abdominal CT cases, thirteen organs, many of them
 * on one slice) built with hard links (the default) and with `--no-links` in the same run. Reports
 * bytes on disk counting each inode once against the bytes of distinct content (target: at most
 * 1.05x), and both build times, wall and CPU, each the best of two alternating runs (links must not
 * be slower than copies, which is how every build wrote before links).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { textTable } from '../../src/cli/format.js';
import { fixtures } from '../../src/fixtures/registry.js';
import { writeBtcvCase } from '../../src/fixtures/sources/btcv.js';
import { checked, CLI, timed } from '../measure.js';
import type { Suite } from '../suite.js';

/** Output files of a tree (state folder and records left out): names, bytes on disk per inode, distinct content. */
export async function diskUse(dir: string): Promise<{ files: number; inodes: number; diskBytes: number; distinctBytes: number }> {
  const inodes = new Map<string, number>();
  const contents = new Map<string, number>();
  let files = 0;
  for (const task of await readdir(dir)) {
    if (task.startsWith('.') || !(await stat(path.join(dir, task))).isDirectory()) continue;
    for (const rel of await readdir(path.join(dir, task), { recursive: true })) {
      const file = path.join(dir, task, rel);
      const s = await stat(file);
      if (!s.isFile() || !/\.(png|nii\.gz)$/.test(rel)) continue;
      files++;
      inodes.set(`${s.dev}:${s.ino}`, s.size);
      contents.set(
        createHash('sha256')
          .update(await readFile(file))
          .digest('hex'),
        s.size,
      );
    }
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return { files, inodes: inodes.size, diskBytes: sum(inodes), distinctBytes: sum(contents) };
}

const suite: Suite = {
  name: 'disk',
  async run(ctx) {
    const trees: { name: string; raw: string }[] = [
      { name: 'demo (every source)', raw: path.join(ctx.cache, 'disk-demo-raw') },
      { name: 'abdominal CT (BTCV layout, 4 cases)', raw: path.join(ctx.cache, 'disk-volume-raw') },
    ];
    await rm(trees[0].raw, { recursive: true, force: true });
    await rm(trees[1].raw, { recursive: true, force: true });
    ctx.log('writing the demo raw folder and 4 abdominal CT cases');
    for (const f of await fixtures()) await f.generate(trees[0].raw);
    // BTCV-layout cases at a CT-like in-plane size: every slice through the upper abdomen holds several organs.
    for (let id = 1; id <= 4; id++) await writeBtcvCase(trees[1].raw, id, 'lps', [192, 160, 40]);

    const rows = [];
    for (const tree of trees) {
      const runs: Record<string, { seconds: number; cpu: number; use: Awaited<ReturnType<typeof diskUse>> }> = {};
      // Copies first, then links, then both again: each mode's best time, with the load both saw.
      for (const [mode, extra] of [
        ['copies', ['--no-links']],
        ['links', []],
        ['copies', ['--no-links']],
        ['links', []],
      ] as const) {
        const out = path.join(ctx.work, `disk-${mode}`);
        await rm(out, { recursive: true, force: true });
        ctx.log(`${tree.name}: build with ${mode}`);
        const r = await checked(
          `medbank build (${mode})`,
          timed(process.execPath, [CLI, 'build', '--raw', tree.raw, '--out', out, '--quiet', '--workers', '2', ...extra]),
        );
        runs[mode] = {
          seconds: Math.min(r.seconds, runs[mode]?.seconds ?? Infinity),
          cpu: Math.min(r.cpuSeconds ?? NaN, runs[mode]?.cpu ?? Infinity),
          use: runs[mode]?.use ?? (await diskUse(out)),
        };
        await rm(out, { recursive: true, force: true });
      }
      for (const mode of ['copies', 'links'] as const) {
        const { use, seconds, cpu } = runs[mode];
        rows.push({ tree: tree.name, mode, ...use, seconds, cpu });
      }
    }
    const table = textTable(
      ['tree', 'mode', 'files', 'inodes', 'disk MB', 'distinct MB', 'disk / distinct', 'wall s', 'CPU s'],
      rows.map((r) => [
        r.tree,
        r.mode,
        r.files,
        r.inodes,
        (r.diskBytes / 1e6).toFixed(1),
        (r.distinctBytes / 1e6).toFixed(1),
        `${(r.diskBytes / r.distinctBytes).toFixed(3)}x`,
        r.seconds.toFixed(1),
        r.cpu.toFixed(1),
      ]),
    );
    return { figures: { rows }, table };
  },
};

export default suite;
