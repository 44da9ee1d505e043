/**
 * Peak memory of converting one large CT volume (512×512×1000 int16, the size DESIGN.md bounds at
 * 2 GB): generates it once as MSD_Lung-style .nii.gz in a child process, then builds it in another
 * child and reports that process's peak RSS (main thread and worker together).
 *
 *   npm run build && node dist/bench/volume-memory.js [work-dir] [--size 1024] [--workers 1]
 * or, for the kernel's own figure: /usr/bin/time -v node dist/bench/volume-memory.js convert <work-dir>
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { encodeNifti } from '../src/io/volume/nifti-write.js';
import { build } from '../src/pipeline/build.js';

const DIMS: [number, number, number] = [512, 512, 1000];
const LIMIT_MB = 2048;

async function generate(dir: string): Promise<void> {
  const [nx, ny, nz] = DIMS;
  const hu = new Int16Array(nx * ny * nz);
  const labels = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        const r = Math.hypot(x - 256, y - 256);
        hu[i] = r < 230 ? 40 + ((x * 7 + y * 13 + z * 3) % 60) - 30 : -1000;
        // A tumour in 60 slices: those are the slices a default build keeps.
        if (z >= 470 && z < 530 && Math.hypot(x - 330, y - 280) < 25) labels[i] = 1;
      }
  const affine = [
    [-0.7, 0, 0, 0],
    [0, -0.7, 0, 0],
    [0, 0, 0.625, 0],
    [0, 0, 0, 1],
  ];
  const task = path.join(dir, 'raw', 'MSD_Lung', 'Task06_Lung');
  await mkdir(path.join(task, 'imagesTr'), { recursive: true });
  await mkdir(path.join(task, 'labelsTr'), { recursive: true });
  await writeFile(
    path.join(task, 'imagesTr', 'lung_001.nii.gz'),
    gzipSync(encodeNifti({ dims: DIMS, data: hu, affine, type: 'int16' }), { level: 1 }),
  );
  await writeFile(
    path.join(task, 'labelsTr', 'lung_001.nii.gz'),
    gzipSync(encodeNifti({ dims: DIMS, data: labels, affine, type: 'uint8' }), { level: 1 }),
  );
}

async function convert(dir: string, size: number, workers: number): Promise<void> {
  const out = path.join(dir, 'out');
  await rm(out, { recursive: true, force: true });
  const started = Date.now();
  const { record } = await build({ raw: path.join(dir, 'raw'), out, sources: ['MSD_Lung'], size, workers });
  const peakMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ volume: DIMS.join('x') + ' int16', slices: record?.counts.samples, size, workers, seconds: (Date.now() - started) / 1000, peakRssMb: Math.round(peakMb) })}\n`,
  );
}

const self = fileURLToPath(import.meta.url);
const [mode, dirArg] = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
if (mode === 'generate') await generate(dirArg);
else if (mode === 'convert') await convert(dirArg, flag('--size', 1024), flag('--workers', 1));
else {
  const dir = mode && !mode.startsWith('--') ? mode : path.join(os.tmpdir(), 'medbank-volume-memory');
  const run = (args: string[]) => spawnSync(process.execPath, [self, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  await mkdir(dir, { recursive: true });
  if (run(['generate', dir]).status !== 0) throw new Error('generating the volume failed');
  const result = run(['convert', dir, '--size', String(flag('--size', 1024)), '--workers', String(flag('--workers', 1))]);
  process.stdout.write(result.stdout);
  const peak = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}').peakRssMb as number;
  process.stdout.write(
    peak < LIMIT_MB ? `peak RSS ${peak} MB: under the ${LIMIT_MB} MB bound\n` : `peak RSS ${peak} MB: OVER the ${LIMIT_MB} MB bound\n`,
  );
  process.exitCode = peak < LIMIT_MB ? 0 : 1;
}
