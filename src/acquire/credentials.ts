/**
 * The user's tokens for the gated hosts and the API endpoints they are sent to. A token is only
 * ever placed in a request header: never printed, logged or written. The endpoints can be pointed
 * elsewhere (an institution's proxy; the tests' loopback server) with environment variables.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Credentials {
  kaggle?: { username: string; key: string; from: string };
  synapse?: { token: string; from: string };
}

export interface Endpoints {
  kaggle: string;
  synapse: string;
}

export const KAGGLE_API_ENV = 'MEDBANK_KAGGLE_API_URL';
export const SYNAPSE_API_ENV = 'MEDBANK_SYNAPSE_API_URL';

export function endpoints(env: NodeJS.ProcessEnv): Endpoints {
  return {
    kaggle: (env[KAGGLE_API_ENV] ?? 'https://www.kaggle.com/api/v1').replace(/\/+$/, ''),
    synapse: (env[SYNAPSE_API_ENV] ?? 'https://repo-prod.prod.sagebase.org/repo/v1').replace(/\/+$/, ''),
  };
}

function kaggleJson(env: NodeJS.ProcessEnv, home: string): { file: string; username?: string; key?: string } | undefined {
  const file = path.join(env.KAGGLE_CONFIG_DIR ?? path.join(home, '.kaggle'), 'kaggle.json');
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { username?: unknown; key?: unknown };
    return {
      file,
      username: typeof parsed.username === 'string' ? parsed.username : undefined,
      key: typeof parsed.key === 'string' ? parsed.key : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Finds the tokens the Kaggle and Synapse clients would use; `from` says where, for `doctor`. */
export function findCredentials(env: NodeJS.ProcessEnv, home: string = os.homedir()): Credentials {
  const out: Credentials = {};
  if (env.KAGGLE_USERNAME && env.KAGGLE_KEY)
    out.kaggle = { username: env.KAGGLE_USERNAME, key: env.KAGGLE_KEY, from: 'KAGGLE_USERNAME/KAGGLE_KEY' };
  else {
    const json = kaggleJson(env, home);
    if (json?.username && json.key) out.kaggle = { username: json.username, key: json.key, from: json.file };
  }
  if (env.SYNAPSE_AUTH_TOKEN) out.synapse = { token: env.SYNAPSE_AUTH_TOKEN, from: 'SYNAPSE_AUTH_TOKEN' };
  return out;
}

export function kaggleHeaders(c: NonNullable<Credentials['kaggle']>): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${c.username}:${c.key}`).toString('base64')}` };
}

export function synapseHeaders(c: NonNullable<Credentials['synapse']>): Record<string, string> {
  return { authorization: `Bearer ${c.token}` };
}
