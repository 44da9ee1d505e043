/** `medbank preprocess <in> <out>`: resize an existing tree, in parallel. */
import type { Command } from 'commander';
import { preprocess } from '../../pipeline/preprocess/preprocess.js';
import { textTable } from '../format.js';
import { choiceOption, intOption, limitOptions } from '../options.js';
import { DEFAULT_MAX_PIXELS } from '../../io/input-limits.js';

export function registerPreprocess(program: Command): void {
  program
    .command('preprocess')
    .description("resize an existing MedBank tree (the README's preprocess_medbank.py, fixed and parallel)")
    .argument('<in>', 'tree to read (medbank or samed2 layout)')
    .argument('<out>', 'tree to write')
    .option('--size <n>', 'output width and height', intOption('--size', 16, 8192), 1024)
    .option('--resize <mode>', 'stretch, or pad to keep the aspect ratio', choiceOption('--resize', ['stretch', 'pad'] as const), 'stretch')
    .option('--workers <n>', 'worker threads (default: number of cores)', intOption('--workers', 1, 256))
    .option(
      '--max-pixels <n>',
      'refuse an image or mask whose header declares more pixels than this',
      intOption('--max-pixels', 1, Number.MAX_SAFE_INTEGER),
      DEFAULT_MAX_PIXELS,
    )
    .option('--no-links', 'write identical outputs as copies instead of hard links to one file')
    .option('--quiet', 'print only problems and the summary', false)
    .action(async (input: string, output: string, o) => {
      let last = 0;
      const result = await preprocess({
        input,
        output,
        size: o.size,
        resize: o.resize,
        workers: o.workers,
        limits: limitOptions(o),
        links: o.links,
        onProgress: (done, total) => {
          if (o.quiet || (done !== total && Date.now() - last < 2000)) return;
          last = Date.now();
          process.stderr.write(`preprocessed ${done}/${total}\n`);
        },
      });
      if (result.linksUnavailable) process.stderr.write(`note: ${result.linksUnavailable}\n`);
      for (const p of result.problems) process.stderr.write(`problem: ${p.file}: ${p.reason}\n`);
      process.stdout.write(
        `${textTable(
          ['task', 'layout', 'pairs'],
          result.tasks.map((t) => [t.task, t.layout, t.pairs]),
        )}\n`,
      );
      if (result.problems.length) process.exitCode = 2;
    });
}
