/** `medbank licenses`: every source and task with its license terms; `--allow` shows what a use permits. */
import type { Command } from 'commander';
import { catalog } from '../../catalog/registry.js';
import { LICENSE_USES, selectByLicense, type LicenseUse } from '../../catalog/license-policy.js';
import { textTable } from '../format.js';
import { choiceOption } from '../options.js';

export function registerLicenses(program: Command): void {
  program
    .command('licenses')
    .description('list sources and tasks with their license terms; --allow shows which a use permits')
    .option('--allow <use>', `commercial, noncommercial or any`, choiceOption('--allow', LICENSE_USES), 'any')
    .option('--json', 'print as JSON', false)
    .action(async (o: { allow: LicenseUse; json: boolean }) => {
      const { allowed, excluded } = selectByLicense(await catalog(), o.allow);
      if (o.json) {
        const entry = (s: (typeof allowed)[number]) => ({ id: s.id, name: s.name, license: s.license, tasks: s.tasks.map((t) => t.id) });
        const out = {
          allow: o.allow,
          allowed: allowed.map(entry),
          excluded: excluded.map((x) => ({ ...entry(x.source), reason: x.reason })),
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const rows = allowed.map((s) => [
        s.id,
        s.tasks.map((t) => t.id).join(' '),
        s.license.text,
        s.license.spdx ?? '-',
        s.license.commercial,
        s.license.attribution,
      ]);
      process.stdout.write(`${textTable(['source', 'tasks', 'license', 'SPDX', 'commercial', 'attribution'], rows)}\n`);
      if (o.allow !== 'any') process.stdout.write(`\n${allowed.length} source(s) allow ${o.allow} use.\n`);
      if (excluded.length) {
        process.stdout.write(`\nleft out for ${o.allow} use:\n`);
        for (const x of excluded) process.stdout.write(`  ${x.source.id} (${x.source.tasks.map((t) => t.id).join(', ')}): ${x.reason}\n`);
      }
      process.stdout.write("\nThe catalog records the terms as published; check each source's own terms before relying on them.\n");
    });
}
