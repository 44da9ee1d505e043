/**
 * The viewer serves files from inside one folder only. A request names files by URL segments;
 * a segment that decodes to `.`/`..`, holds a separator or NUL, or a path whose real location
 * (symlinks resolved) leaves the folder is refused, and the caller answers 404.
 */
import { isPlainName } from '../io/files/confine.js';

/** One decoded URL path segment, or undefined if it could step outside its folder. */
export function safeSegment(raw: string): string | undefined {
  let segment: string;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return isPlainName(segment) ? segment : undefined;
}

/** The folder confinement itself is shared with the library and the readers (io/files/confine.ts). */
export { confineTo, type Confinement } from '../io/files/confine.js';
