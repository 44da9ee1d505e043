/**
 * samed2: what SAMed-2's `GeneralData` loader reads (CONSUMERS.md). `<Task>/image/` and
 * `<Task>/mask/` with identical file names, masks 0/255, and split lists per task and at the root
 * whose lines are `./<Task>/image/<name>.png`: the loader drops the first two characters, joins the
 * rest to its data path (the export root) and swaps `/image/` for `/mask/`.
 */
import type { Split } from '../catalog/types.js';
import { splitFileName } from '../contract/layout.js';
import { compareText } from '../contract/order.js';
import { binaryMaskPng } from './pixels.js';
import type { ExportFormat } from './types.js';

export function samed2Line(task: string, name: string): string {
  return `./${task}/image/${name}.png`;
}

const samed2: ExportFormat = {
  name: 'samed2',
  accepts: [],
  async run(ctx) {
    const lines = new Map<string, Record<Split, string[]>>();
    for (const task of ctx.tree.tasks) lines.set(task.id, { train: [], val: [], test: [] });
    await ctx.forEach(async (s) => {
      const file = `${s.name}.png`;
      await ctx.out.place(s.imagePath, `${s.task.id}/image/${file}`);
      // Multi-class masks hold class indices; the loader wants every object at 255.
      if (s.task.metadata?.multiClass) await ctx.out.write(`${s.task.id}/mask/${file}`, () => binaryMaskPng(s.maskPath));
      else await ctx.out.place(s.maskPath, `${s.task.id}/mask/${file}`);
      lines.get(s.task.id)![s.split].push(samed2Line(s.task.id, s.name));
    });
    const text = (list: string[]) => list.map((l) => `${l}\n`).join('');
    for (const split of ctx.tree.splits) {
      const all: string[] = [];
      for (const [task, perSplit] of lines) {
        const list = perSplit[split].sort(compareText);
        await ctx.out.replace(`${task}/${splitFileName(split)}`, text(list));
        all.push(...list);
      }
      await ctx.out.replace(splitFileName(split), text(all.sort(compareText)));
    }
    return { lists: ctx.tree.splits.map(splitFileName), dataPath: ctx.out.root };
  },
};

export default samed2;
