/** Recognises what a file's first bytes are: a web page where an archive was expected, or the archive's own magic. */
import { open } from 'node:fs/promises';
import type { ArchiveFormat } from '../catalog/types.js';

/** HTML or JSON (a login, error or consent page served with status 200). */
export function looksLikePage(head: Uint8Array): boolean {
  const text = Buffer.from(head.subarray(0, 256)).toString('latin1').trimStart().toLowerCase();
  return /^(<!doctype html|<html|<head|<body|<\?xml)/.test(text) || /^[{[]\s*"/.test(text);
}

const ZIP = [0x50, 0x4b];
const GZIP = [0x1f, 0x8b];
const RAR = [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07];

function startsWith(head: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => head[i] === b);
}

/** What the format's first bytes should be, in words, when `head` does not match; undefined when it does. */
export function formatMismatch(head: Uint8Array, format: ArchiveFormat, name: string): string | undefined {
  if (looksLikePage(head)) return 'it is a web page (HTML or JSON), not an archive: a login, error or consent page was saved';
  const expect =
    format === 'zip'
      ? { magic: ZIP, what: 'a zip archive' }
      : format === 'tar.gz' || (format === 'file' && name.endsWith('.gz'))
        ? { magic: GZIP, what: 'gzip data' }
        : format === 'rar'
          ? { magic: RAR, what: 'a RAR archive' }
          : undefined;
  if (expect && !startsWith(head, expect.magic)) return `it does not start like ${expect.what}`;
  if (format === 'tar' && head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') !== 'ustar')
    return 'it does not look like a tar archive (no ustar header)';
  return undefined;
}

export async function readHead(file: string, bytes = 512): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
