/** `medbank view <tree>`: serves a read-only web viewer of a tree on loopback and prints its URL. */
import type { Command } from 'commander';
import { intOption } from './options.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function registerView(program: Command): void {
  program
    .command('view')
    .description('open a tree (either layout) in a local, read-only web viewer: tasks, samples with masks, stats')
    .argument('<tree>', 'a built MedBank tree')
    .option('--port <n>', 'port to listen on (0 picks a free one)', intOption('--port', 0, 65535), 8765)
    .option('--host <host>', 'address to bind; anything but loopback exposes the tree to the network', '127.0.0.1')
    .action(async (tree: string, o: { port: number; host: string }) => {
      const { startViewer } = await import('../viewer/server.js');
      const viewer = await startViewer({ root: tree, port: o.port, host: o.host });
      if (!LOOPBACK.has(o.host)) process.stderr.write(`warning: listening on ${o.host}: anyone who can reach it can read this tree\n`);
      process.stdout.write(`viewing ${viewer.root}\nopen ${viewer.url}  (Ctrl-C stops)\n`);
      const stop = () => void viewer.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
