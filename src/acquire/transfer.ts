/**
 * One HTTP(S) download into a `.partial` file: resumed with Range after a dropped connection or an
 * earlier run, restarted from zero where a server ignores Range, retried with backoff on 5xx, 429,
 * timeouts and resets, redirects followed up to a limit, hashes computed while streaming. TLS
 * certificates are always verified (node's default, never overridden).
 */
import http from 'node:http';
import https from 'node:https';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash, type Hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { looksLikePage } from './sniff.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** First wait; doubled after each failure. */
  baseMs: number;
  /** Longest wait, also the most a `Retry-After` may ask for. */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 1000, maxWaitMs: 120_000 };
const MAX_REDIRECTS = 10;
const IDLE_TIMEOUT_MS = 60_000;

export interface TransferRequest {
  url: string;
  /** Sent to the first host only: dropped when a redirect leaves its origin (signed storage URLs). */
  headers?: Record<string, string>;
  partial: string;
  /** Archive name, for messages. */
  label: string;
  md5?: boolean;
  /** False where the server rebuilds the file per download (CAMUS): a partial file is never continued. */
  resumable?: boolean;
  retry?: RetryPolicy;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  onBytes?(done: number, total: number | undefined): void;
  /** Called once per retry with the reason, for the log. */
  onRetry?(reason: string, waitMs: number): void;
}

export interface TransferResult {
  bytes: number;
  sha256: string;
  md5?: string;
  /** True when the transfer continued an earlier partial file with a Range request. */
  resumed: boolean;
}

/** A download that failed for good; `url` is the one asked for (never a signed redirect target). */
export class TransferError extends Error {
  override name = 'TransferError';
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** A failure worth another attempt; `waitMs` is what the server asked for (429, 503 Retry-After). */
class Retryable extends Error {
  constructor(
    reason: string,
    readonly waitMs?: number,
  ) {
    super(reason);
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function isRetryableNetworkError(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (err.code !== undefined && RETRYABLE_CODES.has(err.code)) || /socket hang up|aborted|timed out/i.test(err.message ?? '');
}

function describeNetworkError(url: URL, e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err.code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(err.code))
    return `the TLS certificate of ${url.host} could not be verified (${err.code}); MedBank never turns certificate checks off`;
  return `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface Hashes {
  sha256: Hash;
  md5?: Hash;
}

/** The hashes of a file's current bytes, still open for more (a resumed download continues them). */
export async function hashPrefix(file: string, md5: boolean): Promise<{ hashes: Hashes; bytes: number }> {
  const hashes: Hashes = { sha256: createHash('sha256'), md5: md5 ? createHash('md5') : undefined };
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      hashes.sha256.update(chunk);
      hashes.md5?.update(chunk);
      bytes += chunk.length;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return { hashes, bytes };
}

function get(url: URL, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.get(url, { headers: { 'user-agent': 'medbank-fetch', ...headers }, signal }, resolve);
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error(`no data for ${timeoutMs / 1000} s: timed out`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
  });
}

/** Follows redirects; the caller's headers go only to the origin they were meant for. */
async function open(
  start: string,
  headers: Record<string, string>,
  range: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ res: http.IncomingMessage; url: URL }> {
  let url = new URL(start);
  const origin = url.origin;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TransferError(start, `unsupported URL scheme ${url.protocol}`);
    const res = await get(url, { ...(url.origin === origin ? headers : {}), ...range }, timeoutMs, signal).catch((e: unknown) => {
      if (isRetryableNetworkError(e)) throw new Retryable(describeNetworkError(url, e));
      throw new TransferError(start, describeNetworkError(url, e));
    });
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new TransferError(start, `more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if (url.protocol === 'https:' && next.protocol === 'http:')
        throw new TransferError(start, `refusing a redirect from https to plain http (${next.host})`);
      url = next;
      continue;
    }
    return { res, url };
  }
}

function contentRangeStart(value: string | undefined): { start: number; total?: number } | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value ?? '');
  return m ? { start: Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) } : undefined;
}

/**
 * The ETag (strong only) or Last-Modified of the response that started a partial file, kept beside
 * it: a resume sends it as `If-Range`, so a file changed on the server since comes whole (200)
 * instead of as a tail spliced onto the old bytes.
 */
const validatorFile = (partial: string): string => `${partial}.validator`;

async function saveValidator(partial: string, res: http.IncomingMessage): Promise<void> {
  const etag = res.headers.etag;
  const validator = etag && !etag.startsWith('W/') ? etag : res.headers['last-modified'];
  if (validator) await writeFile(validatorFile(partial), validator);
  else await rm(validatorFile(partial), { force: true });
}

/** One attempt: continues `partial` from its current length where the server allows it. */
async function attempt(req: TransferRequest, state: { resumed: boolean }): Promise<TransferResult> {
  const md5 = req.md5 ?? false;
  if (req.resumable === false) await rm(req.partial, { force: true });
  let { hashes, bytes } = await hashPrefix(req.partial, md5);
  const validator = bytes > 0 ? await readFile(validatorFile(req.partial), 'utf8').catch(() => undefined) : undefined;
  const range: Record<string, string> = bytes > 0 ? { range: `bytes=${bytes}-`, ...(validator ? { 'if-range': validator } : {}) } : {};
  const { res, url } = await open(req.url, req.headers ?? {}, range, req.idleTimeoutMs ?? IDLE_TIMEOUT_MS, req.signal);
  const status = res.statusCode ?? 0;
  if (status === 416 && bytes > 0) {
    res.resume();
    const total = Number(/\/(\d+)$/.exec(res.headers['content-range'] ?? '')?.[1]);
    if (total === bytes) return { bytes, sha256: hashes.sha256.digest('hex'), md5: hashes.md5?.digest('hex'), resumed: state.resumed };
    await rm(req.partial, { force: true });
    throw new Retryable(`the server refused to resume at byte ${bytes}: starting again`, 0);
  }
  if (status === 429 || status >= 500) {
    res.resume();
    throw new Retryable(`HTTP ${status} from ${url.host}`, retryAfterMs(res.headers['retry-after']));
  }
  if (status === 401 || status === 403) {
    res.resume();
    throw new TransferError(
      req.url,
      `HTTP ${status} from ${url.host}: access denied (missing or rejected credentials, or terms not accepted)`,
    );
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new TransferError(req.url, `HTTP ${status} from ${url.host}`);
  }
  const type = res.headers['content-type'] ?? '';
  if (/text\/html|application\/(json|xhtml)/i.test(type)) {
    res.resume();
    throw new TransferError(
      req.url,
      `the server answered with ${/json/i.test(type) ? 'JSON' : 'an HTML page'} (${type}) where ${req.label} was expected: a login, error or consent page, not the archive`,
    );
  }
  let total: number | undefined;
  if (status === 206) {
    const cr = contentRangeStart(res.headers['content-range']);
    if (!cr || cr.start !== bytes) {
      res.resume();
      await rm(req.partial, { force: true });
      throw new Retryable(
        `the server resumed at the wrong byte (${res.headers['content-range'] ?? 'no Content-Range'}): starting again`,
        0,
      );
    }
    total = cr.total;
    state.resumed = true;
  } else {
    if (bytes > 0) {
      // The server ignores Range and sends everything: start the file again.
      await truncate(req.partial, 0);
      ({ hashes, bytes } = { hashes: { sha256: createHash('sha256'), md5: md5 ? createHash('md5') : undefined }, bytes: 0 });
    }
    const length = Number(res.headers['content-length']);
    total = Number.isFinite(length) && res.headers['content-length'] !== undefined ? length : undefined;
    await saveValidator(req.partial, res);
  }
  const startedAt = bytes;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (bytes === 0 && looksLikePage(chunk)) {
        done(
          new TransferError(
            req.url,
            `the server sent a web page (HTML or JSON) where ${req.label} was expected: a login, error or consent page, not the archive`,
          ),
        );
        return;
      }
      hashes.sha256.update(chunk);
      hashes.md5?.update(chunk);
      bytes += chunk.length;
      req.onBytes?.(bytes, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, tap, createWriteStream(req.partial, { flags: startedAt > 0 ? 'a' : 'w' }));
  } catch (e) {
    if (e instanceof TransferError) {
      await rm(req.partial, { force: true });
      throw e;
    }
    if (req.signal?.aborted) throw e;
    throw new Retryable(`connection lost after ${bytes}${total ? ` of ${total}` : ''} bytes (${describeNetworkError(url, e)})`);
  }
  if (total !== undefined && bytes < total) throw new Retryable(`connection closed after ${bytes} of ${total} bytes`);
  return { bytes, sha256: hashes.sha256.digest('hex'), md5: hashes.md5?.digest('hex'), resumed: state.resumed };
}

/** Downloads `req.url` into `req.partial` (kept on failure, so a rerun resumes it). */
export async function transfer(req: TransferRequest): Promise<TransferResult> {
  const policy = req.retry ?? DEFAULT_RETRY;
  const state = { resumed: false };
  let last = '';
  for (let i = 0; i < policy.attempts; i++) {
    try {
      const result = await attempt(req, state);
      await rm(validatorFile(req.partial), { force: true });
      return result;
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      last = e.message;
      if (i === policy.attempts - 1) break;
      const backoff = Math.min(policy.maxWaitMs, policy.baseMs * 2 ** i);
      if (e.waitMs !== undefined && e.waitMs > policy.maxWaitMs)
        throw new TransferError(req.url, `${e.message}: the server asks to retry after ${Math.round(e.waitMs / 1000)} s; try again later`);
      const wait = e.waitMs ?? backoff;
      req.onRetry?.(e.message, wait);
      await sleep(wait, undefined, { signal: req.signal });
    }
  }
  throw new TransferError(req.url, `gave up after ${policy.attempts} attempts: ${last}`);
}
