/**
 * hf: Hugging Face `datasets` Parquet shards, `data/<Task>/<split>-NNNNN-of-NNNNN.parquet` of about
 * `--shard-size` bytes, written with hyparquet-writer. Columns `image` and `mask` are the `Image`
 * struct {bytes, path}, plus task, name, source, group, modality, bbox, point, license (and the
 * instances as JSON with `--instances`); the `huggingface` key of each file declares the features.
 * README.md is the card: YAML `configs` per task (and `default` over all), licenses and citations.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { Split } from '../catalog/types.js';
import { VERSION } from '../version.js';
import { planShards, sampleRecord, type SampleRecord } from './sample-record.js';
import type { ExportContext, ExportFormat } from './types.js';
import { walkTree, type TreeSample } from './walker.js';

/** The writer's own schema type (its hyparquet dependency may differ from the test reader's). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

const text = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
const imageStruct = (name: string): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
  text('path'),
];
const intList = (name: string): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'INT32', repetition_type: 'OPTIONAL' },
];
const TEXT_COLUMNS = ['task', 'name', 'source', 'group', 'modality', 'license'] as const;

function schemaOf(instances: boolean): SchemaElement[] {
  const columns: SchemaElement[][] = [
    imageStruct('image'),
    imageStruct('mask'),
    ...TEXT_COLUMNS.map((c) => [text(c)]),
    intList('bbox'),
    intList('point'),
    ...(instances ? [[{ ...text('instances'), converted_type: 'JSON' as const }]] : []),
  ];
  return [{ name: 'root', num_children: columns.length }, ...columns.flat()];
}

/** The `datasets` features, which make `image` and `mask` decode as images. */
function features(instances: boolean): Record<string, unknown> {
  const value = { dtype: 'string', _type: 'Value' };
  const ints = { feature: { dtype: 'int32', _type: 'Value' }, _type: 'Sequence' };
  return {
    image: { _type: 'Image' },
    mask: { _type: 'Image' },
    ...Object.fromEntries(TEXT_COLUMNS.map((c) => [c, value])),
    bbox: ints,
    point: ints,
    ...(instances ? { instances: value } : {}),
  };
}

function columnsOf(ctx: ExportContext, samples: TreeSample[], records: SampleRecord[]): ColumnSource[] {
  const meta = (s: TreeSample) => s.task.metadata;
  const values: Record<(typeof TEXT_COLUMNS)[number], (s: TreeSample) => string | null> = {
    task: (s) => s.task.id,
    name: (s) => s.name,
    source: (s) => s.row?.source ?? meta(s)?.source ?? null,
    group: (s) => s.row?.group ?? null,
    modality: (s) => meta(s)?.modality ?? null,
    license: (s) => meta(s)?.license.spdx ?? meta(s)?.license.text ?? null,
  };
  return [
    { name: 'image', data: records.map((r, i) => ({ bytes: r.image, path: `${samples[i].name}.png` })) },
    { name: 'mask', data: records.map((r, i) => ({ bytes: r.mask, path: `${samples[i].name}.png` })) },
    ...TEXT_COLUMNS.map((c) => ({ name: c, data: samples.map(values[c]) })),
    { name: 'bbox', data: records.map((r) => r.prompts.box) },
    { name: 'point', data: records.map((r) => r.prompts.point) },
    ...(ctx.options.instances ? [{ name: 'instances', data: records.map((r) => JSON.stringify(r.prompts.instances)) }] : []),
  ];
}

async function writeShard(ctx: ExportContext, file: string, samples: TreeSample[]): Promise<void> {
  let built = false;
  await ctx.out.write(file, async () => {
    built = true;
    const kept: TreeSample[] = [];
    const records: SampleRecord[] = [];
    for (const s of samples)
      await ctx.settle([s], async () => {
        records.push(await sampleRecord(ctx, s));
        kept.push(s);
      });
    const bytes = parquetWriteBuffer({
      columnData: columnsOf(ctx, kept, records),
      schema: schemaOf(ctx.options.instances),
      kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features: features(ctx.options.instances) } }) }],
      createdBy: `medbank ${VERSION} (hyparquet-writer)`,
    });
    return new Uint8Array(bytes);
  });
  // A shard kept from an earlier run holds its samples already.
  if (!built) for (const s of samples) await ctx.settle([s], async () => undefined);
}

function card(ctx: ExportContext, files: Map<string, string[]>, citation: string): string {
  // A config lists only the splits it has files for: a pattern matching nothing is an error in `datasets`.
  const dataFiles = (task: string, glob: (split: Split) => string) =>
    ctx.tree.splits
      .filter((s) => [...files.keys()].some((k) => k.endsWith(`:${s}`) && (task === '*' || k.startsWith(`${task}:`))))
      .map((s) => `  - split: ${s}\n    path: ${glob(s)}`)
      .join('\n');
  const configs = [
    `- config_name: default\n  data_files:\n${dataFiles('*', (s) => `data/*/${s}-*.parquet`)}`,
    ...ctx.tree.tasks
      .filter((t) => [...files.keys()].some((k) => k.startsWith(`${t.id}:`)))
      .map((t) => `- config_name: ${t.id}\n  data_files:\n${dataFiles(t.id, (s) => `data/${t.id}/${s}-*.parquet`)}`),
  ];
  const licenses = [...new Set(ctx.tree.tasks.map((t) => t.metadata?.license.spdx?.toLowerCase()).filter(Boolean))];
  const rows = ctx.tree.tasks.map(
    (t) =>
      `| ${t.id} | ${t.metadata?.source ?? '-'} | ${t.metadata?.modality ?? '-'} | ${t.metadata?.license.text ?? 'see the source'} | ${t.metadata?.citationKey ?? '-'} |`,
  );
  return [
    '---',
    `license: ${licenses.length === 1 ? licenses[0] : 'other'}`,
    'task_categories:',
    '- image-segmentation',
    'configs:',
    ...configs,
    '---',
    '',
    '# MedBank (Hugging Face export)',
    '',
    `Exported by medbank ${VERSION} from a MedBank tree. One config per task, \`default\` holds them all;`,
    "splits are MedBank's (grouped by patient). `image` and `mask` are PNGs (mask 0/255); `bbox` is",
    "the mask's inclusive box [x0, y0, x1, y1] and `point` its innermost pixel [x, y].",
    '',
    '| task | source | modality | license | citation key |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Each task keeps the license of its source: check it before use.',
    '',
    '## Citation',
    '',
    '```bibtex',
    citation.trim() || '(the source tree has no CITATION.bib)',
    '```',
    '',
  ].join('\n');
}

const hf: ExportFormat = {
  name: 'hf',
  accepts: ['instances', 'minArea', 'shardSize'],
  async run(ctx) {
    const files = new Map<string, string[]>();
    for (const task of ctx.tree.tasks)
      for (const split of ctx.tree.splits) {
        const samples: TreeSample[] = [];
        for await (const s of walkTree(ctx.tree, { task: task.id, split })) samples.push(s);
        if (!samples.length) continue;
        const shards = await planShards(ctx, samples, ctx.options.shardSize);
        const of = String(shards.length).padStart(5, '0');
        const names = shards.map((_, i) => `data/${task.id}/${split}-${String(i).padStart(5, '0')}-of-${of}.parquet`);
        for (const [i, group] of shards.entries()) await writeShard(ctx, names[i], group);
        files.set(`${task.id}:${split}`, names);
      }
    const citation = await readFile(path.join(ctx.tree.bank.root, 'CITATION.bib'), 'utf8').catch(() => '');
    await ctx.out.replace('README.md', card(ctx, files, citation));
    return { files: Object.fromEntries(files) };
  },
};

export default hf;
