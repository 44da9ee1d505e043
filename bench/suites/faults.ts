/**
 * The fault corpus (src/fixtures/faults.ts) per source: peak RSS and wall time of a build of each
 * source's fixture with its damaged inputs, beside the same build of the pristine fixture. The
 * fault suite test builds the whole corpus at once; this shows what each source's faults cost.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { textTable } from '../../src/cli/format.js';
import type { BuildRecord } from '../../src/contract/build-record.js';
import { fixtureFor } from '../../src/fixtures/registry.js';
import { FAULT_MAX_VOLUME_MIB, FAULT_SOURCES, writeFaults } from '../../src/fixtures/faults.js';
import { checked, CLI, timed } from '../measure.js';
import type { Suite } from '../suite.js';

async function writeFixtures(raw: string): Promise<void> {
  for (const [source, variant] of FAULT_SOURCES) await (await fixtureFor(source)).generate(raw, variant);
}

const suite: Suite = {
  name: 'faults',
  async run(ctx) {
    const pristine = path.join(ctx.work, 'faults-pristine');
    const damaged = path.join(ctx.work, 'faults-damaged');
    await rm(pristine, { recursive: true, force: true });
    await rm(damaged, { recursive: true, force: true });
    await writeFixtures(path.join(pristine, 'raw'));
    await writeFixtures(path.join(damaged, 'raw'));
    const faults = await writeFaults(path.join(damaged, 'raw'), path.join(damaged, 'outside'));
    const rows: (string | number)[][] = [];
    const figures: Record<string, unknown>[] = [];
    for (const [source] of FAULT_SOURCES) {
      const build = async (dir: string) => {
        const out = path.join(dir, `out-${source}`);
        const args = ['--raw', path.join(dir, 'raw'), '--out', out, '--sources', source, '--size', '64', '--quiet'];
        const run = await checked(
          `build of ${source}`,
          timed(process.execPath, [CLI, 'build', ...args, '--max-volume-mib', String(FAULT_MAX_VOLUME_MIB)]),
        );
        const record = JSON.parse(await readFile(path.join(out, 'medbank.json'), 'utf8')) as BuildRecord;
        return { run, problems: record.problems.length, samples: record.counts.samples };
      };
      ctx.log(`${source}: pristine and damaged builds`);
      const clean = await build(pristine);
      const hurt = await build(damaged);
      const inputs = faults.filter((f) => f.file.startsWith(`${source}/`)).length;
      const rss = (r: typeof clean) => (r.run.peakRssMiB === null ? '-' : r.run.peakRssMiB.toFixed(0));
      rows.push([
        source,
        inputs,
        hurt.run.code,
        hurt.problems,
        `${clean.samples} / ${hurt.samples}`,
        rss(clean),
        rss(hurt),
        hurt.run.seconds.toFixed(1),
      ]);
      figures.push({
        source,
        inputs,
        exit: hurt.run.code,
        problems: hurt.problems,
        samples: [clean.samples, hurt.samples],
        peakRssMiB: [clean.run.peakRssMiB, hurt.run.peakRssMiB],
      });
    }
    const table = textTable(
      ['source', 'damaged inputs', 'exit', 'problems', 'samples pristine / damaged', 'RSS MiB pristine', 'RSS MiB damaged', 'wall s'],
      rows,
    );
    return { figures: { sources: figures }, table };
  },
};

export default suite;
