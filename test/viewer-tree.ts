/** A small built tree from the fixture generators, shared by the viewer's server and browser tests. */
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fixtureFor } from '../src/fixtures/registry.js';
import type { BuildRecord } from '../src/contract/build-record.js';
import type { LayoutName } from '../src/contract/layout.js';
import { tempDir, buildWhole } from './helpers.js';

export interface FixtureTree {
  /** The folder holding raw/ and the tree (and room for files outside the tree). */
  dir: string;
  root: string;
  record: BuildRecord;
}

export async function fixtureTree(t: TestContext, options: { sources: string[]; size: number; layout?: LayoutName }): Promise<FixtureTree> {
  const dir = await tempDir(t, 'medbank-viewer-');
  const raw = path.join(dir, 'raw');
  for (const source of options.sources) await (await fixtureFor(source)).generate(raw);
  const root = path.join(dir, 'tree');
  const { record } = await buildWhole({ raw, out: root, size: options.size, layout: options.layout, workers: 2 });
  return { dir, root, record };
}
