/**
 * A one-node Slurm cluster on loopback for tests: munged, slurmctld and slurmd (Debian's `munge`
 * and `slurm-wlm`, installed by .ci/run) run in the foreground as children of the test, with a key,
 * a generated slurm.conf, state and logs in a temp folder. Needs root (slurmd starts jobs as their
 * user). `startSlurm` says why when the cluster cannot start, so that the test can skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SlurmCluster {
  /** The environment that points Slurm's commands at this cluster (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  /** Runs a Slurm command (sbatch, squeue...) in `cwd` and returns its stdout; throws with stderr on failure. */
  run(command: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): string;
  /** The daemons' logs, for a failure message. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

const NEEDED = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo'];

/** The absolute path of `command` on PATH or in the sbin folders (not on a user's PATH), or undefined. */
function locate(command: string): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].filter(Boolean);
  return folders.map((d) => path.join(d, command)).find((f) => spawnSync('test', ['-x', f]).status === 0);
}

/** Two free TCP ports on loopback (for slurmctld and slurmd). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Starts the cluster in `dir`, or returns why it cannot. */
export async function startSlurm(dir: string): Promise<SlurmCluster | string> {
  if (process.platform !== 'linux') return 'Slurm test runs on Linux only';
  if (process.getuid?.() !== 0) return 'Slurm test needs root (slurmd runs jobs as their user)';
  const found = new Map(NEEDED.map((c) => [c, locate(c)]));
  const missing = NEEDED.filter((c) => !found.get(c));
  if (missing.length) return `Slurm or munge not installed (missing ${missing.join(', ')}; apt-get install slurm-wlm munge)`;
  const bin = (command: string) => found.get(command)!;

  const munge = path.join(dir, 'munge');
  const logDir = path.join(dir, 'log');
  for (const d of [munge, logDir, path.join(dir, 'state'), path.join(dir, 'spool')]) await mkdir(d, { recursive: true });
  await chmod(dir, 0o700);
  await chmod(munge, 0o711); // munged wants its socket folder searchable
  const key = path.join(dir, 'munge.key');
  const keyMade = spawnSync(bin('mungekey'), ['--create', `--keyfile=${key}`], { encoding: 'utf8' });
  if (keyMade.status !== 0) return `mungekey failed: ${keyMade.stderr}`;
  const socket = path.join(munge, 'munge.socket');
  const node = os.hostname().split('.')[0];
  const [ctldPort, slurmdPort] = await freePorts(2);
  const conf = path.join(dir, 'slurm.conf');
  // proctrack/linuxproc and task/none: no cgroups (containers). The node claims 8 CPUs and 8 GiB,
  // what docs/slurm-array.sh asks for, whatever this machine has (config_overrides).
  await writeFile(
    conf,
    [
      'ClusterName=medbanktest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${path.join(dir, 'state')}`,
      `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
      `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${path.join(logDir, 'slurmctld.log')}`,
      `SlurmdLogFile=${path.join(logDir, 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SwitchType=switch/none',
      'MpiDefault=none',
      'ReturnToService=2',
      'SchedulerType=sched/builtin',
      'SlurmdParameters=config_overrides',
      'PlugStackConfig=/dev/null',
      'MailProg=/bin/true',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=8 RealMemory=8192 State=UNKNOWN`,
      `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons: ChildProcess[] = [];
  const daemon = (command: string, args: string[]) => {
    const child = spawn(bin(command), args, { env, stdio: 'ignore' });
    child.on('error', () => undefined);
    daemons.push(child);
  };
  const cluster: SlurmCluster = {
    env,
    run(command, args, cwd, runEnv = env) {
      const r = spawnSync(locate(command) ?? command, args, { env: runEnv, cwd, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
      return r.stdout;
    },
    async logs() {
      const parts = await Promise.all(
        ['munged.log', 'slurmctld.log', 'slurmd.log'].map(
          async (f) => `== ${f}\n${await readFile(path.join(logDir, f), 'utf8').catch(() => '(none)')}`,
        ),
      );
      return parts.join('\n');
    },
    async stop() {
      const exits = daemons
        .filter((d) => d.exitCode === null && d.signalCode === null)
        .map((d) => new Promise((resolve) => (d.once('exit', resolve), d.kill('SIGTERM'))));
      await Promise.race([Promise.all(exits), sleep(10_000)]);
      for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
    },
  };
  daemon('munged', [
    '--foreground',
    '--force',
    `--socket=${socket}`,
    `--key-file=${key}`,
    `--log-file=${path.join(logDir, 'munged.log')}`,
    `--pid-file=${path.join(munge, 'munged.pid')}`,
    `--seed-file=${path.join(munge, 'seed')}`,
  ]);
  daemon('slurmctld', ['-D', '-f', conf]);
  daemon('slurmd', ['-D', '-f', conf, '-N', node]);
  // Ready once the node is idle (slurmd registered with slurmctld).
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(250)) {
    const r = spawnSync(bin('sinfo'), ['-h', '-N', '-o', '%t'], { env, encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === 'idle') return cluster;
    if (daemons.some((d) => d.exitCode !== null)) break;
  }
  const why = `the Slurm cluster did not come up within 30 s:\n${await cluster.logs()}`;
  await cluster.stop();
  return why;
}
