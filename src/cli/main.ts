#!/usr/bin/env node
/** The `medbank` command: one file per subcommand, errors reported without stack traces. */
import v8 from 'node:v8';
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { reportError } from './format.js';
import { registerBuild } from './commands/build.js';
import { registerSources } from './commands/sources.js';
import { registerPreprocess } from './commands/preprocess.js';
import { registerDemo } from './commands/demo.js';
import { registerValidate } from './commands/validate.js';
import { registerStats } from './commands/stats.js';
import { registerLicenses } from './commands/licenses.js';
import { registerCite } from './commands/cite.js';
import { registerView } from './commands/view.js';
import { registerMerge } from './commands/merge.js';
import { registerExport } from './commands/export.js';
import { registerFetch } from './commands/fetch.js';
import { registerDoctor } from './commands/doctor.js';

// V8 otherwise grows its heaps with the job count (a 10,000-sample build held garbage worth
// 3 KiB per sample); sizing them for memory keeps a build's peak RSS nearly flat at the same
// speed (README, "Speed"). Set before the worker threads start, so their heaps follow it too.
v8.setFlagsFromString('--optimize-for-size');

const program = new Command()
  .name('medbank')
  .description('Build, preprocess and check the MedBank medical image segmentation collection')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

registerSources(program);
registerFetch(program);
registerDoctor(program);
registerBuild(program);
registerMerge(program);
registerPreprocess(program);
registerDemo(program);
registerValidate(program);
registerStats(program);
registerLicenses(program);
registerCite(program);
registerView(program);
registerExport(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { code?: string; exitCode?: number }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    // commander has already printed help, the version or the usage error.
    process.exitCode = (e as { exitCode: number }).exitCode;
  } else {
    process.exitCode = reportError(e);
  }
}
