/**
 * Name planning: adapters propose output names from case ids; where two jobs of one task would
 * write the same name (sanitising can merge distinct raw names), every colliding job gets a suffix
 * from a hash of its raw path, which is stable whatever order the files were found in.
 */
import { createHash } from 'node:crypto';
import type { Job } from '../../catalog/types.js';
import { compareText } from '../../contract/order.js';

export function planNames(jobs: Job[]): Job[] {
  const byTaskName = new Map<string, Job[]>();
  for (const job of jobs) {
    for (const t of job.targets) {
      const key = `${t.task}/${job.name}`;
      const list = byTaskName.get(key) ?? [];
      list.push(job);
      byTaskName.set(key, list);
    }
  }
  const colliding = new Set<Job>();
  for (const list of byTaskName.values()) if (list.length > 1) list.forEach((j) => colliding.add(j));
  const planned = jobs.map((job) =>
    colliding.has(job) ? { ...job, name: `${job.name}_${createHash('sha1').update(job.image).digest('hex').slice(0, 8)}` } : job,
  );
  return planned.sort((a, b) => compareText(a.name, b.name) || compareText(a.image, b.image));
}
