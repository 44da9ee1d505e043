/**
 * DNS rebinding defence: a web page on another site can point its own host name at 127.0.0.1 and
 * then read the viewer with the browser's credentials-free requests, but the browser still sends
 * that foreign name in `Host`. The viewer answers only the names it is reached by on purpose.
 */

/** `host` as it appears in a Host header: IPv6 addresses in brackets, lowercase. */
function hostForm(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * A test of a request's Host header: true only for `localhost`, `127.0.0.1`, `[::1]`, the bound
 * address and the `extra` names, each with the listening port.
 */
export function hostChecker(bound: string, port: number, extra: readonly string[] = []): (header: string | undefined) => boolean {
  const allowed = new Set(['localhost', '127.0.0.1', '::1', bound, ...extra].map((h) => `${hostForm(h)}:${port}`));
  return (header) => header !== undefined && allowed.has(header.toLowerCase());
}
