/** README.md dataset card of a built tree: what is in it, how it was made, licenses, citation. */
import { SPLITS, type SourceInfo } from '../../catalog/types.js';
import type { BuildRecord, TaskRecord } from '../../contract/build-record.js';
import { layoutByName } from '../../contract/layout.js';

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Where each split of a task came from, e.g. "official / official / carved" ("-" for an empty split). */
function splitOrigins(t: TaskRecord): string {
  return SPLITS.map((split) => Object.keys(t.splitOrigins[split]).sort().join('+') || '-').join(' / ');
}

const SIDE_WORDS = { 'patient-right': "patient's right", 'patient-left': "patient's left" } as const;

function lateralitySection(record: BuildRecord): string {
  const sided = record.tasks.filter((t) => t.side);
  if (!sided.length) return '';
  return `
## Laterality

"Right" and "Left" in these task names are the patient's sides. Slices are shown in the radiological convention, so the
patient's right is on the image's left. A horizontal flip turns one side into the other: flip these tasks only together with
their mirror task's labels, or not at all.

${table(
  ['Task', 'Side', 'Mirror task'],
  sided.map((t) => [t.id, SIDE_WORDS[t.side!], t.mirror ?? '-']),
)}
`;
}

export function renderCard(record: BuildRecord, sources: SourceInfo[]): string {
  const o = record.options;
  const layout = layoutByName(o.layout);
  const first = record.tasks[0];
  const example = first ? `${first.id}` : 'BreastTumor_UT_0';
  return `# MedBank build

Built by medbank ${record.tool.version} (sharp ${record.tool.sharp}, libvips ${record.tool.libvips}, PNGs by ${record.tool.pngEncoder}) from raw downloads of
${record.sources.length} source(s): ${record.counts.samples} samples in ${record.tasks.length} task(s)
(train ${record.counts.train}, val ${record.counts.val}, test ${record.counts.test}).
MedBank never redistributes data: each source keeps its own license (below).

## Tasks

${table(
  [
    'Task',
    'Source',
    'Structure',
    'Modality',
    'Anatomy',
    'Train',
    'Val',
    'Test',
    'Splits from (train / val / test)',
    'Annotation',
    'License',
  ],
  record.tasks.map((t) => [
    t.id,
    t.source,
    t.structure,
    t.modality,
    t.anatomy,
    t.counts.train,
    t.counts.val,
    t.counts.test,
    splitOrigins(t),
    t.annotation,
    t.license.text,
  ]),
)}

Splits come from the source (\`official\`), are carved as test from its official train part where it has no labelled test
part (\`carved\`), or are dealt by seed (\`seeded\`); \`medbank.json\` counts each per task under \`splitOrigins\`.
${lateralitySection(record)}
## How it was made

- Layout \`${o.layout}\`: \`<Task>/${layout.imageDir}/<name>.png\`, \`<Task>/${layout.maskDir}/<name>.png\` (same name), \`train.txt\`, \`val.txt\`, \`test.txt\`.
- Images: ${o.size}×${o.size} PNG, ${o.grey ? '8-bit grey' : '8-bit RGB'}, bilinear, ${o.resize === 'pad' ? 'aspect kept and padded at the bottom and right' : 'stretched'}.
- Masks: 8-bit single-channel PNG, 0 = background, 255 = foreground, nearest-neighbour resize with the image's pixel-centre convention.
- Empty masks: ${record.emptyMaskPolicy}.
- Small objects: ${o.minArea > 0 ? `mask components (8-connected, per image or slice) under ${o.minArea} raw pixels removed (${record.tasks.reduce((a, t) => a + t.minArea.removedComponents, 0)} components; ${record.tasks.reduce((a, t) => a + t.minArea.emptiedMasks, 0)} masks left empty by it, then handled as empty masks; counts per task in \`medbank.json\` under \`minArea\`)` : 'every mask component is kept (`--min-area 0`)'}.
- Sources: ${o.license === 'any' ? 'no license filter (`--license any`)' : `only those whose terms allow ${o.license} use (\`--license ${o.license}\`)`}.
- Splits: ${record.splitPolicy} (seed ${o.seed}).
- \`manifest.jsonl\` maps every sample to its raw file(s), group, original size, intensity transform, foreground and bounding box, and sha256 of both outputs; \`medbank.json\` holds the options and per-task metadata.
${record.tasks.some((t) => t.annotation === 'box') ? '- Tasks marked `box` have masks made by filling bounding boxes: the source has no pixel masks.\n' : ''}${record.problems.length ? `- ${record.problems.length} raw file(s) could not be used; they are listed in \`medbank.json\` under \`problems\`.\n` : ''}${record.sources.flatMap((s) => s.grouping.map((g) => `- ${s.id}: ${g}.\n`)).join('')}${record.leaks.length ? `- ${record.leaks.length} leak(s): official splits put identical or near-identical images in two splits; they are listed in \`medbank.json\` under \`leaks\`.\n` : ''}
## Licenses and attribution

${table(
  ['Task', 'Source', 'License', 'SPDX', 'Commercial use', 'Access', 'Attribution', 'Cite'],
  record.tasks.map((t) => {
    const s = sources.find((x) => x.id === t.source);
    return [
      t.id,
      s?.name ?? t.source,
      t.license.text,
      t.license.spdx ?? '-',
      t.license.commercial,
      s?.access ?? '-',
      t.license.attribution,
      t.citationKeys.join(', '),
    ];
  }),
)}

Use each task only within its license: a task inherits the license of its source. \`medbank licenses\` explains the terms and
\`medbank build --license commercial\` builds only from sources whose terms allow commercial use.

## Loading

\`\`\`python
from PIL import Image
import numpy as np
image = np.array(Image.open("${example}/${layout.imageDir}/<name>.png").convert("RGB"))
mask = np.array(Image.open("${example}/${layout.maskDir}/<name>.png").convert("L")) > 127
\`\`\`

## Citation

Cite every source you use (\`CITATION.bib\` holds their BibTeX) and SAMed-2, which defined the MedBank collection.
`;
}
