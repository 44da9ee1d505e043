/** `medbank view <tree>`: serves a read-only web viewer of a tree on loopback and prints its URL. */
import type { Command } from 'commander';
import { intOption, listOption } from '../options.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function registerView(program: Command): void {
  program
    .command('view')
    .description('open a tree (either layout) in a local, read-only web viewer: tasks, samples with masks, stats')
    .argument('<tree>', 'a built MedBank tree')
    .option('--port <n>', 'port to listen on (0 picks a free one)', intOption('--port', 0, 65535), 8765)
    .option('--host <host>', 'address to bind; anything but loopback exposes the tree to the network', '127.0.0.1')
    .option(
      '--allow-host <names>',
      'host names (besides localhost, 127.0.0.1, [::1] and --host) a request may be addressed to; others get 421',
      listOption,
      [],
    )
    .option('--show-path', "show the tree's absolute path in the page (default: its folder name only)", false)
    .action(async (tree: string, o: { port: number; host: string; allowHost: string[]; showPath: boolean }) => {
      const { startViewer } = await import('../../viewer/server.js');
      const viewer = await startViewer({ root: tree, port: o.port, host: o.host, allowedHosts: o.allowHost, showPath: o.showPath });
      if (!LOOPBACK.has(o.host)) process.stderr.write(`warning: listening on ${o.host}: anyone who can reach it can read this tree\n`);
      process.stdout.write(`viewing ${viewer.root}\nopen ${viewer.url}  (Ctrl-C stops)\n`);
      const stop = () => void viewer.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
