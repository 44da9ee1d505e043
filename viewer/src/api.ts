/** Typed calls to the viewer's server (routes in src/viewer/routes.ts) and pixel loading. */
import type { SampleDetail, SamplePage, SplitFilter, TreeSummary } from '../../src/viewer/api-types.js';
import type { TreeStats } from '../../src/dataset/stats.js';

export type { SampleDetail, SamplePage, SplitFilter, TreeSummary, TreeStats };
export type FileKind = 'image' | 'mask';

const enc = encodeURIComponent;

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const api = {
  tree: (signal?: AbortSignal) => getJson<TreeSummary>('api/tree', signal),
  stats: (signal?: AbortSignal) => getJson<TreeStats>('api/stats', signal),
  page: (task: string, split: SplitFilter, offset: number, limit: number, signal?: AbortSignal) =>
    getJson<SamplePage>(`api/tasks/${enc(task)}/samples?split=${split}&offset=${offset}&limit=${limit}`, signal),
  sample: (task: string, name: string, split: SplitFilter, signal?: AbortSignal) =>
    getJson<SampleDetail>(`api/tasks/${enc(task)}/samples/${enc(name)}?split=${split}`, signal),
  fileUrl: (task: string, kind: FileKind, name: string) => `api/tasks/${enc(task)}/files/${kind}/${enc(name)}`,
  thumbUrl: (task: string, kind: FileKind, name: string, size: number) => `api/tasks/${enc(task)}/thumbs/${kind}/${enc(name)}?size=${size}`,
};

/** Decodes an image URL to RGBA pixels exactly as stored (no colour conversion, no premultiplication). */
export async function loadPixels(url: string, signal?: AbortSignal): Promise<ImageData> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}
