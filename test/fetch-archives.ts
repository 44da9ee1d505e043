/** Test archives in the layout of the real releases, written by Python's zipfile/tarfile from fixture folders. */
import type { TestContext } from 'node:test';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SourceAdapter } from '../src/catalog/types.js';
import { pythonArchive } from './fetch-server.js';

const PACK = `import io, os, sys, tarfile, zipfile
kind, src, out = sys.argv[1:4]
files = []
for d, dirs, fs in os.walk(src):
    dirs.sort()
    files += [os.path.join(d, f) for f in sorted(fs)]
if kind == 'zip':
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        for f in files:
            info = zipfile.ZipInfo(os.path.relpath(f, os.path.dirname(src)), (2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, open(f, 'rb').read())
else:
    with tarfile.open(out, 'w') as t:
        for f in files:
            info = t.gettarinfo(f, os.path.relpath(f, os.path.dirname(src)))
            info.mtime = 1577836800
            info.uid = info.gid = 0
            info.uname = info.gname = ''
            t.addfile(info, open(f, 'rb'))
`;

/** A RAR 4 archive of stored (uncompressed) files, written from the format's block layout: no free tool creates RAR. */
const RAR = `import struct, zlib, sys
def block(htype, flags, body):
    head = struct.pack('<BHH', htype, flags, 7 + len(body)) + body
    return struct.pack('<H', zlib.crc32(head) & 0xffff) + head
out = b'Rar!\\x1a\\x07\\x00' + block(0x73, 0, b'\\0' * 6)
for name, text in zip(sys.argv[2::2], sys.argv[3::2]):
    n, data = name.encode(), text.encode()
    body = struct.pack('<IIBIIBBHI', len(data), len(data), 3, zlib.crc32(data), 0x21, 20, 0x30, len(n), 0o100644) + n
    out += block(0x74, 0x8000, body) + data
out += block(0x7b, 0x4000, b'')
open(sys.argv[1], 'wb').write(out)
`;

/** Writes a RAR holding `files` (name to text); false when Python is missing. */
export function writeRar(t: TestContext, out: string, files: Record<string, string>): boolean {
  return pythonArchive(t, RAR, [out, ...Object.entries(files).flat()]);
}

/** Packs folder `src` (its own name becomes the archive's top folder) into `out`; false when Python is missing. */
export function packFolder(t: TestContext, kind: 'zip' | 'tar', src: string, out: string): boolean {
  return pythonArchive(t, PACK, [kind, src, out]);
}

export async function fileHashes(file: string): Promise<{ sha256: string; md5: string }> {
  const data = await readFile(file);
  return { sha256: createHash('sha256').update(data).digest('hex'), md5: createHash('md5').update(data).digest('hex') };
}

/** The adapter with its first route's checksums replaced by the test archives' own (the layout stays the catalog's). */
export function withChecksums(adapter: SourceAdapter, hashes: Record<string, { sha256: string; md5: string }>): SourceAdapter {
  const [first, ...rest] = adapter.fetch.routes;
  return {
    ...adapter,
    fetch: {
      ...adapter.fetch,
      routes: [
        {
          ...first,
          archives: first.archives.map((a) => ({
            ...a,
            checksums: a.checksums.map((c) => ({ ...c, value: hashes[a.name][c.algorithm], origin: 'test archive' })),
          })),
        },
        ...rest,
      ],
    },
  };
}
