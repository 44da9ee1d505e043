/**
 * PNG encoder settings, time against bytes, on 1024x1024 images of the corpus, one thread, encode
 * only: MedBank's libdeflate addon at several levels, sharp's libspng + zlib-ng with adaptive
 * filtering (the fallback), the libdeflate WebAssembly package, and Pillow's default (level 6,
 * adaptive) as the README script saves. Time
 * is CPU time of this process (encoders run on libuv threads), which a busy machine distorts far
 * less than wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { textTable } from '../../src/cli/format.js';
import { encodePng } from '../candidates/libdeflate-png.js';
import { IMAGE_PNG, nativeEncoder } from '../../src/io/image/png-write.js';
import { cachedCorpus } from '../cache.js';
import { PYTHON } from '../measure.js';
import { ensurePython } from '../python.js';
import type { Suite } from '../suite.js';

const SAMPLES = 12;

const suite: Suite = {
  name: 'encoders',
  async run(ctx) {
    sharp.concurrency(1);
    const corpus = await cachedCorpus(ctx.cache, `corpus-${ctx.pairs}`, ctx.pairs);
    const tasks = ['Polyp_EN_8', 'Polyp_EN_6', 'SkinLesion_DS_5', 'Polyp_EN_7'];
    const images: Buffer[] = [];
    for (const task of tasks) {
      const dir = path.join(corpus.tree, task, 'images');
      for (const f of (await readdir(dir)).sort().slice(0, SAMPLES / tasks.length)) {
        images.push(await sharp(path.join(dir, f)).resize(1024, 1024, { fit: 'fill' }).removeAlpha().raw().toBuffer());
      }
    }
    const rows: { encoder: string; msPerImage: number; mbPerImage: number }[] = [];
    const measure = async (encoder: string, encode: (px: Buffer) => Promise<Uint8Array> | Uint8Array) => {
      await encode(images[0]);
      let bytes = 0;
      const before = process.cpuUsage();
      for (const px of images) bytes += (await encode(px)).length;
      const cpu = process.cpuUsage(before);
      rows.push({ encoder, msPerImage: (cpu.user + cpu.system) / 1000 / images.length, mbPerImage: bytes / images.length / 1e6 });
    };
    const addon = nativeEncoder();
    if (addon) {
      for (const [level, filter] of [
        [1, 'auto'],
        [1, 'up'],
        [2, 'auto'],
        [3, 'auto'],
        [4, 'auto'],
        [6, 'auto'],
        [3, 'up'],
      ] as const) {
        const chosen = level === IMAGE_PNG.level && filter === IMAGE_PNG.filter ? ' (MedBank)' : '';
        await measure(`${addon.pngEncoderVersion()} addon L${level} ${filter}${chosen}`, (px) =>
          addon.encodePng(px, 1024, 1024, 3, level, filter),
        );
      }
    } else {
      console.log('  the libdeflate addon is not built (see npm run build): its rows are skipped');
    }
    for (const level of [1, 2, 3, 4, 6]) {
      const label = `sharp zlib-ng L${level} adaptive${level === IMAGE_PNG.sharp.compressionLevel ? ' (MedBank without the addon)' : ''}`;
      await measure(label, (px) =>
        sharp(px, { raw: { width: 1024, height: 1024, channels: 3 } })
          .png({ compressionLevel: level, adaptiveFiltering: true })
          .toBuffer(),
      );
    }
    for (const level of [1, 2, 3, 6]) {
      await measure(`libdeflate (wasm package) L${level} Paeth`, (px) => encodePng(px, 1024, 1024, 3, { level, filter: 'paeth' }));
    }
    if (!ensurePython({ PIL: 'python3-pil' })) {
      const dir = path.join(ctx.work, 'encoders');
      await mkdir(dir, { recursive: true });
      for (const [i, px] of images.entries()) await writeFile(path.join(dir, `${i}.rgb`), px);
      const r = spawnSync(PYTHON, ['-c', PILLOW_TIMING, dir, String(images.length)], { encoding: 'utf8' });
      if (r.status === 0) {
        const [ms, mb] = r.stdout.trim().split(' ').map(Number);
        rows.push({ encoder: 'Pillow default (zlib L6 adaptive)', msPerImage: ms, mbPerImage: mb });
      }
    }
    const pillow = rows.find((r) => r.encoder.startsWith('Pillow'));
    const table = textTable(
      ['encoder', 'CPU ms/image', 'MB/image', ...(pillow ? ['bytes vs Pillow'] : [])],
      rows.map((r) => [
        r.encoder,
        r.msPerImage.toFixed(1),
        r.mbPerImage.toFixed(3),
        ...(pillow ? [(r.mbPerImage / pillow.mbPerImage).toFixed(3)] : []),
      ]),
    );
    return { figures: { images: images.length, rows }, table };
  },
};

const PILLOW_TIMING = `
import io, sys, time
from PIL import Image
d, n = sys.argv[1], int(sys.argv[2])
ims = [Image.frombytes('RGB', (1024, 1024), open(f'{d}/{i}.rgb', 'rb').read()) for i in range(n)]
t = time.process_time(); total = 0
for im in ims:
    b = io.BytesIO(); im.save(b, 'PNG'); total += len(b.getvalue())
print((time.process_time() - t) * 1000 / n, total / n / 1e6)
`;

export default suite;
