// Progress output: a redrawn bar on a terminal, periodic plain lines in a log, nothing but problems when quiet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, progressMode, progressPrinter, type ProgressSink } from '../src/cli/progress.js';

function sink(isTTY: boolean): ProgressSink & { text: string } {
  return {
    isTTY,
    columns: 100,
    text: '',
    write(s: string) {
      this.text += s;
    },
  };
}

function feed(mode: ReturnType<typeof progressMode>, out: ProgressSink) {
  let clock = 0;
  const p = progressPrinter(mode, out, () => clock);
  p.onProgress({ kind: 'scanned', source: 'BUSI', jobs: 100, notes: [], problems: 0 });
  for (let done = 0; done <= 100; done += 10) {
    p.onProgress({ kind: 'converted', done, total: 100, resumed: 0 });
    if (done === 50) p.onProgress({ kind: 'problem', source: 'BUSI', file: 'BUSI/x.png', reason: 'cannot decode' });
    clock += 2000;
  }
  p.end();
}

test('mode follows the terminal and --quiet', () => {
  assert.equal(progressMode(sink(true), false), 'bar');
  assert.equal(progressMode(sink(false), false), 'lines');
  assert.equal(progressMode(sink(true), true), 'silent');
});

test('a terminal gets one redrawn bar with rate and ETA', () => {
  const out = sink(true);
  feed('bar', out);
  assert.ok(out.text.includes('\r\u001b[Kconverting [####################....................] 50% 50/100  5.0/s  ETA 0:10'), out.text);
  assert.match(out.text, /problem: BUSI\/x\.png: cannot decode\n/);
  assert.ok(out.text.endsWith('100% 100/100  5.0/s  ETA 0:00\n'));
  assert.equal(out.text.split('\n').length, 4, 'only scan line, problem and final newline break lines');
});

test('a log gets a plain line every 5 seconds and at the end', () => {
  const out = sink(false);
  feed('lines', out);
  const lines = out.text.trim().split('\n');
  assert.deepEqual(lines.slice(0, 3), [
    'BUSI: 100 raw samples',
    'converted 0/100 (0%), 0.0 per s, ETA --:--',
    'converted 30/100 (30%), 5.0 per s, ETA 0:14',
  ]);
  assert.ok(!out.text.includes('\r'));
  assert.equal(lines.at(-1), 'converted 100/100 (100%), 5.0 per s, ETA 0:00');
});

test('quiet prints problems only', () => {
  const out = sink(true);
  feed('silent', out);
  assert.equal(out.text, 'problem: BUSI/x.png: cannot decode\n');
});

test('durations read as m:ss or h:mm:ss', () => {
  assert.equal(formatDuration(5), '0:05');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Infinity), '--:--');
});
