/** `medbank cite [<tree>]`: BibTeX of every source in a tree (or of all sources) plus SAMed-2's entry. */
import path from 'node:path';
import type { Command } from 'commander';
import { catalog, findTask } from '../../catalog/registry.js';
import type { SourceInfo } from '../../catalog/types.js';
import { renderCitations } from '../../pipeline/record/citations.js';
import { UsageError } from '../../errors.js';

/** Sources of a tree: from medbank.json, or by task id from the catalog for a tree without one. */
export async function treeSources(tree: string): Promise<SourceInfo[]> {
  const { openMedBank } = await import('../../dataset/open.js');
  const bank = await openMedBank(tree);
  const ids = new Set<string>(bank.record?.sources.map((s) => s.id) ?? []);
  if (!bank.record) for (const t of bank.tasks) ids.add((await findTask(t.id))?.source.id ?? '');
  const sources = (await catalog()).filter((s) => ids.has(s.id));
  if (!sources.length) throw new UsageError(`${path.resolve(tree)} has no medbank.json and no task folder named after a catalog task`);
  return sources;
}

export function registerCite(program: Command): void {
  program
    .command('cite')
    .description('print BibTeX for every source in a tree (or every source) and SAMed-2')
    .argument('[tree]', 'tree folder (default: every catalogued source)')
    .action(async (tree?: string) => {
      const sources = tree ? await treeSources(tree) : await catalog();
      process.stdout.write(renderCitations(sources));
    });
}
