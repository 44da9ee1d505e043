/** `medbank merge <out>`: after every shard of a sharded build finished, write the records of the whole tree. */
import type { Command } from 'commander';
import { merge } from '../../pipeline/record/merge.js';
import { reportLeaks, summaryTable } from './build.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('check that every shard of "medbank build --shard" finished, then write manifest, splits, card and citation')
    .argument('<out>', 'the output folder all shards wrote into')
    .option('--json', 'print the build record as JSON instead of the table', false)
    .action(async (out: string, o: { json: boolean }) => {
      const { record, shards } = await merge(out);
      if (o.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      else process.stdout.write(`${summaryTable(record)}\n\nmerged ${shards} shards into ${out}\n`);
      if (record.problems.length) {
        for (const p of record.problems) process.stderr.write(`problem: ${p.file}: ${p.reason}\n`);
        process.stderr.write(`${record.problems.length} raw file(s) could not be used (listed in medbank.json)\n`);
        process.exitCode = 2;
      }
      reportLeaks(record);
    });
}
