/**
 * sam-med2d: what SAM-Med2D's DataLoader reads (CONSUMERS.md). `image2label_train.json` (image ->
 * its masks) from train + val, `label2image_test.json` (mask -> image) from test, paths as it
 * opens them: relative to the export's parent folder (`<out name>/images/...`). One image file per
 * distinct image (the manifest's image hash, or the file's own): slices in several tasks of a
 * volume become one image with a mask per task. Masks `<image>_<task>_<instance:03d>.png`, 0/255:
 * the task's mask as it is (a link), or with `--instances` one per connected component.
 * `prompts.json`, keyed by mask file name, holds each mask's box and inner point.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compareText } from '../contract/order.js';
import { maskPrompts, objectPrompt, type ObjectPrompt } from '../dataset/prompts.js';
import { sha256 } from '../io/files/atomic.js';
import { greyPng, readMask } from './pixels.js';
import type { ExportFormat } from './types.js';

interface ImageEntry {
  file: string;
  masks: string[];
  /** Masks so far per task: identical images of one task (duplicates) number on. */
  perTask: Map<string, number>;
}

/** SAM-Med2D's optional prompt file entry: one box and one positive point. */
function promptEntry(p: ObjectPrompt): { boxes: number[][]; point_coords: number[][]; point_labels: number[] } {
  return { boxes: [p.box], point_coords: [p.point], point_labels: [1] };
}

const samMed2d: ExportFormat = {
  name: 'sam-med2d',
  accepts: ['instances', 'minArea'],
  async run(ctx) {
    const prefix = path.basename(ctx.out.root);
    const images = new Map<string, ImageEntry>();
    const taken = new Set<string>();
    const prompts: Record<string, ReturnType<typeof promptEntry>> = {};
    let withoutInstance = 0;
    await ctx.forEach(async (s) => {
      const side = s.split === 'test' ? 'test' : 'train';
      const hash = s.row?.sha256.image ?? sha256(await readFile(s.imagePath));
      const key = `${side}:${hash}`;
      let entry = images.get(key);
      if (!entry) {
        let stem = s.name;
        for (let n = 2; taken.has(stem); n++) stem = `${s.name}_${n}`;
        taken.add(stem);
        entry = { file: `images/${stem}.png`, masks: [], perTask: new Map() };
        await ctx.out.place(s.imagePath, entry.file);
        images.set(key, entry);
      }
      const stem = path.basename(entry.file, '.png');
      const mask = await readMask(s.maskPath);
      const image = entry;
      const maskFile = () => {
        const k = image.perTask.get(s.task.id) ?? 0;
        image.perTask.set(s.task.id, k + 1);
        return `masks/${stem}_${s.task.id}_${String(k).padStart(3, '0')}.png`;
      };
      if (ctx.options.instances) {
        const found = maskPrompts(mask.data, mask.width, mask.height, { minArea: ctx.options.minArea });
        if (!found.instances.length) withoutInstance++;
        for (const inst of found.instances) {
          const file = maskFile();
          await ctx.out.write(file, () => greyPng(inst.mask, mask.width, mask.height));
          entry.masks.push(file);
          prompts[path.basename(file)] = promptEntry(inst);
        }
      } else {
        const file = maskFile();
        await ctx.out.place(s.maskPath, file);
        entry.masks.push(file);
        const whole = objectPrompt(mask.data, mask.width, mask.height);
        if (whole) prompts[path.basename(file)] = promptEntry(whole);
      }
    });
    if (withoutInstance)
      ctx.note(`${withoutInstance} mask(s) have no component of --min-area ${ctx.options.minArea} pixels or more: no mask file for them`);

    const entries = [...images.entries()].sort((a, b) => compareText(a[1].file, b[1].file));
    const train: Record<string, string[]> = {};
    const test: Record<string, string> = {};
    for (const [key, entry] of entries) {
      const image = `${prefix}/${entry.file}`;
      const masks = entry.masks.sort(compareText).map((m) => `${prefix}/${m}`);
      if (key.startsWith('train:')) train[image] = masks;
      else for (const m of masks) test[m] = image;
    }
    const sortedPrompts = Object.fromEntries(Object.entries(prompts).sort((a, b) => compareText(a[0], b[0])));
    await ctx.out.replace('image2label_train.json', `${JSON.stringify(train, null, 1)}\n`);
    await ctx.out.replace('label2image_test.json', `${JSON.stringify(test, null, 1)}\n`);
    await ctx.out.replace('prompts.json', `${JSON.stringify(sortedPrompts)}\n`);
    return {
      pathsRelativeTo: path.dirname(ctx.out.root),
      images: { train: Object.keys(train).length, test: new Set(Object.values(test)).size },
      masks: { train: Object.values(train).reduce((n, m) => n + m.length, 0), test: Object.keys(test).length },
    };
  },
};

export default samMed2d;
