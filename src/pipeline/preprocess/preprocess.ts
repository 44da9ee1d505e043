/**
 * `medbank preprocess`: the resize step of the MedBank README's preprocess_medbank.py on an
 * existing tree (either layout), in parallel and without the script's bugs: it skips folders that
 * are not tasks and files that are not images instead of crashing, reports a missing mask instead
 * of stopping, never writes a mask as JPEG (outputs are PNG; split lines follow the new names),
 * keeps image and mask aligned when upsampling, and writes every file atomically.
 */
import { copyFile, readFile, readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { confineTo, isPlainName } from '../../io/files/confine.js';
import { isImageFile, stem } from '../../catalog/files.js';
import { LAYOUTS, layoutByName, type Layout, type LayoutName } from '../../contract/layout.js';
import { SPLITS } from '../../catalog/types.js';
import { writeAtomic, removeStaleTemps } from '../../io/files/atomic.js';
import type { ResizeMode } from '../../io/image/resize.js';
import { DEFAULT_LIMITS, type InputLimits } from '../../io/input-limits.js';
import { nativeEncoder } from '../../io/image/png-write.js';
import { createPool, defaultWorkers } from '../pool/pool.js';
import { linkStoreDir } from '../plan/tree-state.js';
import type { PairReply, PairRequest } from './preprocess-pair.js';

export interface PreprocessOptions {
  input: string;
  output: string;
  size: number;
  workers?: number;
  resize?: ResizeMode;
  /** Header bounds; absent means the defaults (input-limits.ts). */
  limits?: InputLimits;
  /** False (`--no-links`): identical outputs are separate copies instead of hard links to one file. */
  links?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface PreprocessResult {
  tasks: { task: string; layout: LayoutName; pairs: number }[];
  problems: { file: string; reason: string }[];
  /** Why identical outputs were written as copies although links were wanted. */
  linksUnavailable?: string;
}

async function isDir(p: string): Promise<boolean> {
  return Boolean((await stat(p).catch(() => undefined))?.isDirectory());
}

/** The layout of a task folder, from which image folder it has. */
export async function taskLayout(taskDir: string): Promise<Layout | undefined> {
  for (const name of LAYOUTS) {
    const layout = layoutByName(name);
    if (await isDir(path.join(taskDir, layout.imageDir))) return layout;
  }
  return undefined;
}

export async function preprocess(o: PreprocessOptions): Promise<PreprocessResult> {
  const input = path.resolve(o.input);
  const output = path.resolve(o.output);
  if (!(await isDir(input))) throw new UsageError(`input tree ${input} does not exist`);
  if (input === output) throw new UsageError('input and output must be different folders');
  nativeEncoder(); // a bad MEDBANK_PNG_ENCODER fails here, not in every worker
  await removeStaleTemps(output);

  // The workers start (load libvips, compile) while this thread lists the tree.
  const pool = createPool<PairRequest, PairReply>(new URL('./preprocess-worker.js', import.meta.url), o.workers ?? defaultWorkers());
  pool.start();
  const written = new Set<string>();
  let linksUnavailable: string | undefined;
  let listed: PairList;
  // The store only joins identical outputs while they are written: the links outlive it.
  const store = linkStoreDir(output, o.links);
  try {
    listed = await listPairs(input, output, { ...o, store });
    const { requests, problems } = listed;
    let done = 0;
    await pool.run(
      requests,
      (r) => r,
      (request, reply) => {
        done++;
        linksUnavailable ??= reply.linksUnavailable;
        if (reply.ok) written.add(path.relative(output, request.outImage));
        else problems.push({ file: path.relative(input, reply.file), reason: reply.reason });
        o.onProgress?.(done, requests.length);
      },
    );
  } finally {
    await pool.close();
    if (store) await removeStore(store);
  }

  const { tasks, problems } = listed;
  for (const { task, layout: layoutName } of tasks) {
    const layout = layoutByName(layoutName);
    for (const split of SPLITS) {
      const src = path.join(input, task, `${split}.txt`);
      const text = await readFile(src, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      // Lines keep their order and prefix; a non-PNG extension changes as the files did, and lines of
      // pairs that were not written (missing mask, unreadable file) are left out.
      const lines = text
        .split(/\r?\n/)
        .filter((l) => l.trim())
        .filter((l) => {
          // A line naming anything but a file of the image folder ("../../x.png") is refused, not carried over.
          const name = layout.parseLine(l.trim()) ?? l.trim();
          if (isPlainName(name)) return true;
          problems.push({
            file: path.join(task, `${split}.txt`),
            reason: `line "${l.trim()}" is not a file name in ${layout.imageDir}/: left out`,
          });
          return false;
        })
        .map((l) => l.replace(/\.(jpe?g|bmp|tiff?)$/i, '.png'))
        .filter((l) => written.has(path.join(task, layout.imageDir, path.basename(l))));
      await writeAtomic(path.join(output, task, `${split}.txt`), lines.map((l) => `${l}\n`).join(''));
    }
  }
  for (const extra of ['README.md', 'CITATION.bib']) {
    const src = path.join(input, extra);
    if (await stat(src).catch(() => undefined)) await copyFile(src, path.join(output, extra));
  }
  return {
    tasks,
    problems: problems.sort((a, b) => (a.file < b.file ? -1 : 1)),
    ...(linksUnavailable ? { linksUnavailable } : {}),
  };
}

/** The tree's task folders, every image/mask pair with its outputs, and the images without a mask. */
type PairList = PreprocessResult & { requests: PairRequest[] };

async function listPairs(input: string, output: string, o: PreprocessOptions & { store?: string }): Promise<PairList> {
  const requests: PairRequest[] = [];
  const tasks: PreprocessResult['tasks'] = [];
  const problems: PreprocessResult['problems'] = [];
  const tree = await confineTo(input);
  for (const task of (await readdir(input)).sort()) {
    const taskDir = path.join(input, task);
    if (task.startsWith('.') || !(await isDir(taskDir))) continue;
    const layout = await taskLayout(taskDir);
    if (!layout) continue;
    const images = (await readdir(path.join(taskDir, layout.imageDir))).filter((f) => !f.startsWith('.') && isImageFile(f)).sort();
    const masks = new Set(await readdir(path.join(taskDir, layout.maskDir)).catch(() => [] as string[]));
    let pairs = 0;
    for (const file of images) {
      if (!masks.has(file)) {
        problems.push({ file: path.join(task, layout.imageDir, file), reason: `no mask with the same name in ${layout.maskDir}/` });
        continue;
      }
      // Only files really inside the tree are read: a symbolic link out of it is refused.
      const image = await tree.resolve(path.join(task, layout.imageDir, file));
      const mask = await tree.resolve(path.join(task, layout.maskDir, file));
      const refused = 'refused' in image ? image : 'refused' in mask ? mask : undefined;
      if (refused) {
        problems.push({ file: path.join(task, layout.imageDir, file), reason: `refused: ${refused.refused}` });
        continue;
      }
      pairs++;
      requests.push({
        image: path.join(taskDir, layout.imageDir, file),
        mask: path.join(taskDir, layout.maskDir, file),
        outImage: path.join(output, task, layout.imageDir, `${stem(file)}.png`),
        outMask: path.join(output, task, layout.maskDir, `${stem(file)}.png`),
        size: o.size,
        resize: o.resize ?? 'stretch',
        limits: o.limits ?? DEFAULT_LIMITS,
        ...(o.store ? { store: o.store } : {}),
      });
    }
    tasks.push({ task, layout: layout.name, pairs });
  }
  if (tasks.length === 0) throw new UsageError(`no task folders (with images/ or image/) found in ${input}`);
  return { requests, tasks, problems };
}

/** Removes a store and its state folder if nothing else is in it. */
async function removeStore(store: string): Promise<void> {
  await rm(store, { recursive: true, force: true });
  await rmdir(path.dirname(store)).catch(() => undefined);
}
