/**
 * Where one archive's bytes are requested from: a mirror (`<mirror>/<SourceId>/<archive>`), the
 * catalog URL, Kaggle's dataset download API, or a Synapse file looked up by name below its project.
 */
import type { FetchArchive } from '../catalog/types.js';
import { kaggleHeaders, synapseHeaders, type Credentials, type Endpoints } from './credentials.js';
import { TransferError } from './transfer.js';

export interface ResolveContext {
  mirror?: string;
  credentials: Credentials;
  endpoints: Endpoints;
  signal?: AbortSignal;
}

export interface ResolvedRequest {
  url: string;
  headers: Record<string, string>;
}

export function mirrorUrl(mirror: string, source: string, archive: string): string {
  return `${mirror.replace(/\/+$/, '')}/${encodeURIComponent(source)}/${encodeURIComponent(archive)}`;
}

/** What the archive needs beyond the network: nothing, a token, or a person. */
export function archiveNeeds(archive: FetchArchive): 'nothing' | 'kaggle' | 'synapse' | 'hand' {
  return archive.from.kind === 'url' ? 'nothing' : archive.from.kind;
}

/** The URL shown in plans and locks (never one carrying a credential). */
export function displayUrl(archive: FetchArchive, source: string, ctx: Pick<ResolveContext, 'mirror' | 'endpoints'>): string {
  if (ctx.mirror) return mirrorUrl(ctx.mirror, source, archive.name);
  const from = archive.from;
  if (from.kind === 'url') return from.url;
  if (from.kind === 'kaggle') return `${ctx.endpoints.kaggle}/datasets/download/${from.dataset}`;
  if (from.kind === 'synapse') return `synapse:${from.project}/${from.path.join('/')}`;
  return `(by hand) ${archive.origin}`;
}

/** Finds a Synapse entity by name below its parent (the REST API's `POST /entity/child`). */
async function synapseChild(
  base: string,
  headers: Record<string, string>,
  parentId: string,
  name: string,
  signal?: AbortSignal,
): Promise<string> {
  const url = `${base}/entity/child`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ parentId, entityName: name }),
    signal,
  }).catch((e: Error) => {
    throw new TransferError(url, `Synapse could not be reached (${e.message})`);
  });
  if (res.status === 401 || res.status === 403)
    throw new TransferError(
      url,
      `Synapse refused the token (HTTP ${res.status}): check SYNAPSE_AUTH_TOKEN and that the account joined the challenge`,
    );
  if (res.status === 404) throw new TransferError(url, `Synapse has no "${name}" below ${parentId}`);
  if (!res.ok) throw new TransferError(url, `Synapse answered HTTP ${res.status} looking up "${name}"`);
  const body = (await res.json().catch(() => ({}))) as { id?: unknown };
  if (typeof body.id !== 'string') throw new TransferError(url, `Synapse's answer for "${name}" has no entity id`);
  return body.id;
}

export async function resolveRequest(archive: FetchArchive, source: string, ctx: ResolveContext): Promise<ResolvedRequest> {
  if (ctx.mirror) return { url: mirrorUrl(ctx.mirror, source, archive.name), headers: {} };
  const from = archive.from;
  if (from.kind === 'url') return { url: from.url, headers: {} };
  if (from.kind === 'kaggle') {
    if (!ctx.credentials.kaggle) throw new TransferError(displayUrl(archive, source, ctx), 'needs a Kaggle API token');
    return { url: `${ctx.endpoints.kaggle}/datasets/download/${from.dataset}`, headers: kaggleHeaders(ctx.credentials.kaggle) };
  }
  if (from.kind === 'synapse') {
    if (!ctx.credentials.synapse) throw new TransferError(displayUrl(archive, source, ctx), 'needs a Synapse personal access token');
    const headers = synapseHeaders(ctx.credentials.synapse);
    let id = from.project;
    for (const name of from.path) id = await synapseChild(ctx.endpoints.synapse, headers, id, name, ctx.signal);
    // Answers with a redirect to the file's signed storage URL; the token is not sent there.
    return { url: `${ctx.endpoints.synapse}/entity/${id}/file`, headers };
  }
  throw new TransferError(displayUrl(archive, source, ctx), 'must be downloaded by hand');
}
