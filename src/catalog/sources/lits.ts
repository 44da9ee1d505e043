// LiTS: 131 labelled abdominal CT volumes (uncompressed NIfTI), label 1 liver, 2 tumour.
import path from 'node:path';
import type { CtWindow, JobVolume, Problem, SourceAdapter } from '../types.js';
import { byCaseId, volumeTargets } from '../volume-targets.js';

const SOFT_TISSUE: CtWindow = { level: 40, width: 400 };

const lits: SourceAdapter = {
  id: 'LiTS',
  name: 'LiTS (Liver Tumor Segmentation Benchmark)',
  order: 13,
  link: 'https://competitions.codalab.org/competitions/17094',
  license: {
    text: 'Academic use license',
    commercial: 'no',
    attribution:
      'Bilic, Christ, Menze et al., LiTS challenge (ISBI 2017, MICCAI 2017), CT scans from seven hospitals and research institutions (the LiTS data copies, e.g. on Kaggle, state CC BY-NC-ND 4.0)',
  },
  access: 'challenge',
  modality: 'CT (contrast-enhanced abdomen)',
  modalityCode: 'CT',
  anatomy: 'liver',
  dimension: '3d',
  jobKind: 'volume',
  tasks: [
    {
      id: 'Liver_CT_32',
      structure: 'liver (including its tumours)',
      labels: [1, 2],
      rule: 'label value 1 or 2 (liver including its tumours)',
      window: SOFT_TISSUE,
    },
    {
      id: 'LiverTumor_CT_33',
      structure: 'liver tumour',
      labels: [2],
      rule: 'label value 2 (tumour)',
      window: SOFT_TISSUE,
    },
  ],
  citations: [
    {
      key: 'bilic2023lits',
      bibtex: `@article{bilic2023lits,
  author  = {Bilic, Patrick and Christ, Patrick and Li, Hongwei Bran and Vorontsov, Eugene and Ben-Cohen, Avi and Kaissis, Georgios and Szeskin, Adi and Jacobs, Colin and Mamani, Gabriel Efrain Humpire and Chartrand, Gabriel and others},
  title   = {The Liver Tumor Segmentation Benchmark ({LiTS})},
  journal = {Medical Image Analysis},
  volume  = {84},
  pages   = {102680},
  year    = {2023},
  doi     = {10.1016/j.media.2022.102680}
}`,
    },
  ],
  download: [
    'Create a CodaLab account and join the LiTS competition at https://competitions.codalab.org/competitions/17094 (Participate tab, accepting its terms).',
    'Download Training_Batch1.zip and Training_Batch2.zip (about 15 GB); the 70 test volumes have no public labels and are not needed.',
    'Unzip both into <raw>/LiTS/ keeping their folders ("Training Batch 1/", "Training Batch 2/"); the .nii files are uncompressed, about 54 GB in all.',
    'Do not add MSD Task03_Liver as well: it holds the same 131 volumes.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'Training_Batch1.zip',
            from: { kind: 'hand' },
            origin: 'CodaLab competition 17094 (ACQUISITION.md)',
            checksums: [],
            format: 'zip',
            into: '',
          },
          {
            name: 'Training_Batch2.zip',
            from: { kind: 'hand' },
            origin: 'CodaLab competition 17094 (ACQUISITION.md)',
            checksums: [],
            format: 'zip',
            into: '',
          },
        ],
      },
    ],
    manual: {
      reason: 'the download needs a CodaLab login and the competition terms',
      steps: [
        'Create a CodaLab account and join the LiTS competition at https://competitions.codalab.org/competitions/17094 (Participate tab, accepting its terms).',
        'Download Training_Batch1.zip and Training_Batch2.zip (about 15 GB).',
        'Put both in <raw>/.downloads/LiTS/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `LiTS/
  Training Batch 1/                         (folder names vary, e.g. misspelt or nested; files are found by name)
    volume-0.nii ... volume-27.nii
    segmentation-0.nii ... segmentation-27.nii
  Training Batch 2/
    volume-28.nii ... volume-130.nii
    segmentation-28.nii ... segmentation-130.nii
  test-volume-0.nii ... test-volume-69.nii  (optional, no labels; ignored)
Labels: 0 background, 1 liver, 2 tumour.`,

  ignore: [{ pattern: /(^|\/)test-volume-\d+\.nii(\.gz)?$/i, reason: 'test volumes without published labels' }],

  async scan({ rawRoot, options, files }) {
    const volumes = byCaseId(files, /^volume-(\d+)\.nii(\.gz)?$/i);
    const segmentations = byCaseId(files, /^segmentation-(\d+)\.nii(\.gz)?$/i);
    const targets = volumeTargets(lits.tasks, options);
    const jobs: JobVolume[] = [];
    const problems: Problem[] = [];
    for (const [id, image] of [...volumes].sort(([a], [b]) => Number(a) - Number(b))) {
      const label = segmentations.get(id);
      if (!label) {
        problems.push({ file: path.relative(rawRoot, image), reason: `no segmentation-${id}.nii beside the training volume` });
        continue;
      }
      jobs.push({
        kind: 'volume',
        source: 'LiTS',
        name: `lits_volume_${Number(id)}`,
        // No patient mapping is published: each volume is its own group.
        group: `volume-${Number(id)}`,
        image: path.relative(rawRoot, image),
        label: path.relative(rawRoot, label),
        slicing: 'axial',
        targets,
        meta: {},
      });
    }
    for (const [id, label] of segmentations)
      if (!volumes.has(id)) problems.push({ file: path.relative(rawRoot, label), reason: `no volume-${id}.nii for this segmentation` });
    const tests = files.filter((f) => /^test-volume-\d+\.nii/i.test(path.basename(f))).length;
    const notes = [`${jobs.length} labelled CT volumes, reoriented to one orientation whatever their centre stored`];
    if (tests) notes.push(`${tests} test volumes without public labels ignored`);
    return { jobs, problems, notes };
  },
};

export default lits;
