/**
 * `--min-area`: removes the connected components of a binary mask plane that are smaller than a
 * pixel count, as MedSAM's preprocessing does (cc3d.dust per slice, 8-connectivity). Per
 * component rather than per mask: an edge sliver or a speck beside a large structure is removed
 * while the structure stays, and a mask made only of slivers becomes empty.
 */
import type { SmallObjectCounts } from './outcome.js';

/**
 * Clears the components of `plane` (0 / non-zero, row-major `width` wide) with fewer than
 * `minArea` pixels, in place. Returns how many components and pixels were removed.
 */
export function removeSmallComponents(plane: Uint8Array, width: number, minArea: number): Omit<SmallObjectCounts, 'emptied'> {
  const removed = { components: 0, pixels: 0 };
  if (minArea <= 1) return removed;
  const height = plane.length / width;
  const seen = new Uint8Array(plane.length);
  const stack = new Int32Array(plane.length);
  const members: number[] = [];
  for (let start = 0; start < plane.length; start++) {
    if (plane[start] === 0 || seen[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    members.length = 0;
    while (top > 0) {
      const i = stack[--top];
      members.push(i);
      const x = i % width;
      const y = (i - x) / width;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const j = ny * width + nx;
          if (plane[j] !== 0 && !seen[j]) {
            seen[j] = 1;
            stack[top++] = j;
          }
        }
      }
    }
    if (members.length < minArea) {
      for (const i of members) plane[i] = 0;
      removed.components++;
      removed.pixels += members.length;
    }
  }
  return removed;
}

/**
 * Applies `--min-area` to one raw mask plane of a task and adds what it removed to `counts`;
 * returns the foreground pixels left. `emptied` counts masks whose whole foreground was removed.
 */
export function dropSmallObjects(
  counts: Record<string, SmallObjectCounts>,
  task: string,
  plane: Uint8Array,
  width: number,
  minArea: number,
  foreground: number,
): number {
  const removed = removeSmallComponents(plane, width, minArea);
  if (removed.components === 0) return foreground;
  const left = foreground - removed.pixels;
  const c = (counts[task] ??= { components: 0, pixels: 0, emptied: 0 });
  c.components += removed.components;
  c.pixels += removed.pixels;
  if (left === 0) c.emptied++;
  return left;
}
