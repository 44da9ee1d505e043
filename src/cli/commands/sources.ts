/** `medbank sources`: the catalog as a table or JSON, and which sources a raw folder holds. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { catalog } from '../../catalog/registry.js';
import type { TaskSpec } from '../../catalog/types.js';
import { textTable } from '../format.js';

/** Left/right tasks: the patient's side each names and its mirror task; empty for a source without them. */
function laterality(tasks: TaskSpec[]): string {
  const sided = tasks.filter((t) => t.side);
  if (!sided.length) return '';
  return `Laterality (the patient's side; shown on the image's opposite side, so a horizontal flip swaps the pair):\n${sided
    .map((t) => `  ${t.id}: ${t.side}, mirror ${t.mirror}`)
    .join('\n')}\n`;
}

export function registerSources(program: Command): void {
  program
    .command('sources')
    .description('list the 17 sources: license, access, modality, tasks; with --raw, which are present')
    .option('--raw <dir>', 'raw folder to check for source folders')
    .option('--json', 'print the full catalog (download steps, layout, BibTeX) as JSON', false)
    .option('--details <id>', 'print one source in full: download steps and expected layout')
    .action(async (o: { raw?: string; json: boolean; details?: string }) => {
      const all = await catalog();
      const present = new Map<string, boolean>();
      if (o.raw) {
        for (const s of all) present.set(s.id, Boolean((await stat(path.join(o.raw, s.id)).catch(() => undefined))?.isDirectory()));
      }
      if (o.json) {
        // `citation` (the primary reference) stays for readers of the JSON from before sources had several.
        const entries = all.map(({ scan: _scan, ...info }) => ({
          ...info,
          citation: info.citations[0],
          ...(o.raw ? { present: present.get(info.id) } : {}),
        }));
        process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      if (o.details) {
        const s = all.find((x) => x.id.toLowerCase() === o.details!.toLowerCase());
        if (!s) {
          process.stderr.write(`medbank: unknown source "${o.details}"\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(
          `${s.name} (${s.id})\n${s.link}\nLicense: ${s.license.text}${s.license.spdx ? ` (${s.license.spdx})` : ''}, commercial use: ${s.license.commercial}\n` +
            `Tasks: ${s.tasks.map((t) => t.id).join(', ')}\n${laterality(s.tasks)}\nDownload:\n${s.download.map((d, i) => `  ${i + 1}. ${d}`).join('\n')}\n\nExpected layout:\n${s.layout}\n`,
        );
        return;
      }
      const rows = all.map((s) => [
        s.id,
        s.modality,
        s.anatomy,
        s.license.spdx ?? s.license.text,
        s.license.commercial,
        s.access,
        s.tasks.length,
        ...(o.raw ? [present.get(s.id) ? 'present' : '-'] : []),
      ]);
      const head = ['id', 'modality', 'anatomy', 'license', 'commercial', 'access', 'tasks', ...(o.raw ? ['raw'] : [])];
      process.stdout.write(`${textTable(head, rows)}\n`);
      if (o.raw) process.stdout.write(`\n${[...present.values()].filter(Boolean).length} of ${all.length} sources present in ${o.raw}\n`);
      else process.stdout.write('\n"medbank sources --details <id>" shows download steps and the expected folder layout.\n');
    });
}
