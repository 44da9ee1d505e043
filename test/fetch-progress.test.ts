// Fetch progress: bytes/s and ETA per file and in total, a redrawn block on a terminal, plain lines in a log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchProgress, formatBytes } from '../src/cli/fetch-progress.js';

function sink(isTTY: boolean): { isTTY: boolean; columns: number; text: string; write(s: string): void } {
  return {
    isTTY,
    columns: 200,
    text: '',
    write(s) {
      this.text += s;
    },
  };
}

test('plain lines in a log: per file and total with rate and ETA every 5 s, and each event', () => {
  let now = 0;
  const out = sink(false);
  const p = fetchProgress('lines', 2_000_000, out, () => now);
  p.onEvent({ kind: 'start', source: 'AMOS', archive: 'amos22.zip', total: 2_000_000, from: 0 });
  now = 6000;
  p.onEvent({ kind: 'bytes', source: 'AMOS', archive: 'amos22.zip', done: 600_000, total: 2_000_000 });
  now = 7000;
  p.onEvent({ kind: 'bytes', source: 'AMOS', archive: 'amos22.zip', done: 700_000, total: 2_000_000 });
  p.onEvent({ kind: 'downloaded', source: 'AMOS', archive: 'amos22.zip', bytes: 2_000_000, resumed: false });
  p.end();
  assert.equal(
    out.text,
    [
      'AMOS: downloading amos22.zip',
      'AMOS/amos22.zip: 600.0 KB of 2.0 MB 30%, 100.0 KB/s, ETA 0:14',
      'total: 600.0 KB of 2.0 MB, 100.0 KB/s, ETA 0:14',
      'AMOS: amos22.zip downloaded and verified (2.0 MB)',
      '',
    ].join('\n'),
  );
});

test('a terminal gets a block redrawn in place, cleared at the end', () => {
  let now = 0;
  const out = sink(true);
  const p = fetchProgress('bar', 1000, out, () => now);
  p.onEvent({ kind: 'start', source: 'X', archive: 'a.zip', total: 1000, from: 400 });
  now = 1000;
  p.onEvent({ kind: 'bytes', source: 'X', archive: 'a.zip', done: 500, total: 1000 });
  assert.match(out.text, /X\/a\.zip: 500 B of 1\.0 KB 50%, 100 B\/s, ETA 0:05\ntotal: 100 B of 1\.0 KB, 100 B\/s, ETA 0:09\n$/);
  p.end();
  assert.ok(out.text.endsWith('\x1b[2F\x1b[J'), 'the block is cleared');
  assert.equal(formatBytes(1_234_567_890), '1.2 GB');
});
