/** Corpora are generated once per (size, seed) and reused: a finished marker says the folder is whole. */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeCorpus, type Corpus, type Shape } from './corpus.js';

export async function cachedCorpus(
  cache: string,
  key: string,
  pairs: number,
  shapes?: (i: number) => Shape,
  withTree = true,
  noise = 0,
): Promise<Corpus> {
  const dir = path.join(cache, key);
  const marker = path.join(dir, 'corpus.json');
  const done = await readFile(marker, 'utf8').catch(() => undefined);
  if (done) return JSON.parse(done) as Corpus;
  await rm(dir, { recursive: true, force: true });
  const corpus = await writeCorpus(dir, pairs, 1, shapes, withTree, noise);
  await writeFile(marker, JSON.stringify(corpus));
  return corpus;
}
