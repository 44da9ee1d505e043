/**
 * Seeded mutations of valid reader inputs: bit flips, interesting byte and integer values written
 * over length and size fields, truncations, splices from another seed, repeated and inserted
 * runs, and for text formats numbers replaced by hostile ones. An input is a function of (seed, target, iteration) only, so any finding can be rebuilt.
 */
import { createHash } from 'node:crypto';
import { rng } from '../../src/fixtures/draw.js';

/** The generator of one iteration of one target. */
export function iterationRandom(seed: number, target: string, iteration: number): () => number {
  return rng(createHash('sha256').update(`${seed}:${target}:${iteration}`).digest().readUInt32LE(0));
}

const INTERESTING_32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff];
/** For text formats (MetaImage headers, VOC, CSV): numbers a field should never hold. */
const INTERESTING_TEXT = ['0', '-1', '-2147483649', '4294967296', '100000', '1e308', '9007199254740993', 'NaN', 'inf', '', '0x10', '1.5'];

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'byte'; at: number; value: number }
  | { op: 'int32'; at: number; value: number; littleEndian: boolean }
  | { op: 'int16'; at: number; value: number; littleEndian: boolean }
  | { op: 'truncate'; length: number }
  | { op: 'splice'; at: number; from: number; length: number; donor: number }
  | { op: 'repeat'; at: number; length: number; times: number }
  | { op: 'insert'; at: number; bytes: number[] }
  /** Replaces the `index`-th run of decimal digits (counted modulo their number) with `value`. */
  | { op: 'number'; index: number; value: string };

/**
 * Picks 1 to 4 mutations for `input`. Offsets favour the first `headerBytes` (where the length
 * fields are), but reach the whole input.
 */
export function pickMutations(next: () => number, length: number, donors: number, headerBytes: number): Mutation[] {
  const int = (n: number) => Math.floor(next() * n);
  const at = () => (next() < 0.7 ? int(Math.min(length, headerBytes)) : int(length));
  const count = 1 + int(4);
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const kind = int(10);
    if (kind === 0) out.push({ op: 'flip', at: at(), bit: int(8) });
    else if (kind === 1) out.push({ op: 'byte', at: at(), value: INTERESTING_8[int(INTERESTING_8.length)] });
    else if (kind === 2 || kind === 3) {
      const value = next() < 0.8 ? INTERESTING_32[int(INTERESTING_32.length)] : int(2 ** 32);
      out.push({ op: kind === 2 ? 'int32' : 'int16', at: at() & ~1, value, littleEndian: next() < 0.7 });
    } else if (kind === 4) out.push({ op: 'truncate', length: int(length) });
    else if (kind === 5) out.push({ op: 'splice', at: at(), from: int(length), length: 1 + int(64), donor: int(donors) });
    else if (kind === 6) out.push({ op: 'repeat', at: at(), length: 1 + int(32), times: 1 + int(16) });
    else if (kind === 7) out.push({ op: 'insert', at: at(), bytes: Array.from({ length: 1 + int(16) }, () => int(256)) });
    else out.push({ op: 'number', index: int(64), value: INTERESTING_TEXT[int(INTERESTING_TEXT.length)] });
  }
  return out;
}

/** Applies `mutations` to a copy of `input`; `donors` are the other seeds, for splices. */
export function applyMutations(input: Uint8Array, mutations: Mutation[], donors: Uint8Array[]): Uint8Array {
  let b = Buffer.from(input);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = Math.min(('at' in m ? m.at : 0) as number, b.length - 1);
    switch (m.op) {
      case 'flip':
        b[at] ^= 1 << m.bit;
        break;
      case 'byte':
        b[at] = m.value;
        break;
      case 'int32':
      case 'int16': {
        const size = m.op === 'int32' ? 4 : 2;
        if (at + size > b.length) break;
        if (size === 4) {
          if (m.littleEndian) b.writeUInt32LE(m.value >>> 0, at);
          else b.writeUInt32BE(m.value >>> 0, at);
        } else if (m.littleEndian) b.writeUInt16LE(m.value & 0xffff, at);
        else b.writeUInt16BE(m.value & 0xffff, at);
        break;
      }
      case 'truncate':
        b = b.subarray(0, Math.min(m.length, b.length));
        break;
      case 'splice': {
        const donor = donors[m.donor % Math.max(1, donors.length)] ?? input;
        const from = Math.min(m.from, Math.max(0, donor.length - 1));
        const piece = donor.subarray(from, from + m.length);
        b = Buffer.concat([b.subarray(0, at), piece, b.subarray(Math.min(b.length, at + piece.length))]);
        break;
      }
      case 'repeat': {
        const piece = b.subarray(at, at + m.length);
        b = Buffer.concat([b.subarray(0, at), ...Array.from({ length: m.times + 1 }, () => piece), b.subarray(at + piece.length)]);
        break;
      }
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
        break;
      case 'number': {
        const runs = [...b.toString('latin1').matchAll(/\d+/g)];
        if (!runs.length) break;
        const run = runs[m.index % runs.length];
        b = Buffer.concat([b.subarray(0, run.index), Buffer.from(m.value, 'latin1'), b.subarray(run.index + run[0].length)]);
        break;
      }
    }
  }
  return new Uint8Array(b);
}
