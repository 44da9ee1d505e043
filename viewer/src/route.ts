/**
 * Hash routes, so every page has a URL that can be shared or bookmarked and the server needs no
 * fallback:  #/  ·  #/stats  ·  #/task/<task>?split=&page=&per=  ·  #/task/<task>/<sample>?split=&per=
 */
import { SPLIT_FILTERS, type SplitFilter } from '../../src/viewer/api-types.js';

export const PAGE_SIZES = [24, 48, 96] as const;
export const DEFAULT_PAGE_SIZE = 48;

export type Route =
  | { view: 'tasks' }
  | { view: 'stats' }
  | { view: 'grid'; task: string; split: SplitFilter; page: number; per: number }
  | { view: 'sample'; task: string; name: string; split: SplitFilter; per: number };

function positiveInt(value: string | null, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function parseRoute(hash: string): Route {
  const [pathPart, queryPart = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(queryPart);
  const split = ((SPLIT_FILTERS as readonly string[]).includes(query.get('split') ?? '') ? query.get('split') : 'all') as SplitFilter;
  const per = Math.min(500, positiveInt(query.get('per'), DEFAULT_PAGE_SIZE));
  if (parts[0] === 'stats') return { view: 'stats' };
  if (parts[0] === 'task' && parts.length === 2)
    return { view: 'grid', task: parts[1], split, page: positiveInt(query.get('page'), 1), per };
  if (parts[0] === 'task' && parts.length === 3) return { view: 'sample', task: parts[1], name: parts[2], split, per };
  return { view: 'tasks' };
}

export function routeHash(route: Route): string {
  const enc = encodeURIComponent;
  switch (route.view) {
    case 'tasks':
      return '#/';
    case 'stats':
      return '#/stats';
    case 'grid':
      return `#/task/${enc(route.task)}?split=${route.split}&page=${route.page}&per=${route.per}`;
    case 'sample':
      return `#/task/${enc(route.task)}/${enc(route.name)}?split=${route.split}&per=${route.per}`;
  }
}

export function navigate(route: Route): void {
  location.hash = routeHash(route);
}
