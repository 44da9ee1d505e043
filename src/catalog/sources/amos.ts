// AMOS 2022: abdominal CT (ids < 500) and MRI (ids >= 500) NIfTI volumes with 15 organ labels (MRI has none of 14/15).
import path from 'node:path';
import type { CtWindow, JobVolume, Laterality, Problem, SourceAdapter, Split, TaskSpec } from '../types.js';
import { volumeTargets } from '../volume-targets.js';

/** Official AMOS parts: Tr and Va are labelled; Ts only in copies that ship labelsTs. */
const PARTS: Record<string, Split> = { tr: 'train', va: 'val', ts: 'test' };

const SOFT_TISSUE: CtWindow = { level: 40, width: 400 };

function ct(id: string, structure: string, label: number, side?: Laterality): TaskSpec {
  const rule = `label value ${label} (${structure}) in a CT scan (amos id < 500)`;
  return { id, structure, labels: [label], rule, window: SOFT_TISSUE, ...(side ? { side } : {}) };
}

function mr(id: string, structure: string, label: number, side?: Laterality): TaskSpec {
  const rule = `label value ${label} (${structure}) in an MRI scan (amos id >= 500)`;
  return { id, structure, labels: [label], rule, modality: 'MR', ...(side ? { side } : {}) };
}

const amos: SourceAdapter = {
  id: 'AMOS',
  name: 'AMOS 2022 (Abdominal Multi-Organ Segmentation)',
  order: 15,
  link: 'https://amos22.grand-challenge.org/',
  license: {
    // The release's readme.md names no license; the NeurIPS 2022 Datasets and Benchmarks entry
    // (openreview.net/forum?id=Vk4-HUnkEak) lists a CC BY-NC license. Nothing states commercial terms.
    text: 'No license stated in the release (readme.md); the NeurIPS 2022 Datasets and Benchmarks entry lists a CC BY-NC (non-commercial) license; ask the organisers before other uses',
    commercial: 'unclear',
    attribution: 'Ji, Bai, Luo et al., AMOS 2022 challenge (CUHK-Shenzhen, SRIBD, HKU and Shenzhen Longgang hospitals)',
  },
  access: 'open download',
  modality: 'CT and MRI (abdomen)',
  modalityCode: 'CT',
  anatomy: 'abdomen',
  dimension: '3d',
  jobKind: 'volume',
  tasks: [
    ct('Spleen_CT_36', 'spleen', 1),
    ct('RightKidney_CT_37', 'right kidney', 2, 'patient-right'),
    ct('LeftKidney_CT_38', 'left kidney', 3, 'patient-left'),
    ct('Gallbladder_CT_39', 'gallbladder', 4),
    ct('Esophagus_CT_40', 'esophagus', 5),
    ct('Liver_CT_41', 'liver', 6),
    ct('Stomach_CT_42', 'stomach', 7),
    ct('Aorta_CT_43', 'aorta', 8),
    ct('InferiorVenaCava_CT_44', 'inferior vena cava, "postcava" in AMOS', 9),
    ct('Pancreas_CT_45', 'pancreas', 10),
    ct('RightAdrenalGland_CT_46', 'right adrenal gland', 11, 'patient-right'),
    ct('LeftAdrenalGland_CT_47', 'left adrenal gland', 12, 'patient-left'),
    ct('Duodenum_CT_48', 'duodenum', 13),
    ct('Bladder_CT_49', 'urinary bladder', 14),
    ct('ProstateUterus_CT_50', 'prostate (male) or uterus (female)', 15),
    mr('Spleen_MR_51', 'spleen', 1),
    mr('RightKidney_MR_52', 'right kidney', 2, 'patient-right'),
    mr('LeftKidney_MR_53', 'left kidney', 3, 'patient-left'),
    mr('Gallbladder_MR_54', 'gallbladder', 4),
    mr('Esophagus_MR_55', 'esophagus', 5),
    mr('Liver_MR_56', 'liver', 6),
    mr('Stomach_MR_57', 'stomach', 7),
    mr('Aorta_MR_58', 'aorta', 8),
    mr('InferiorVenaCava_MR_59', 'inferior vena cava, "postcava" in AMOS', 9),
    mr('Pancreas_MR_60', 'pancreas', 10),
    mr('RightAdrenalGland_MR_61', 'right adrenal gland', 11, 'patient-right'),
    mr('LeftAdrenalGland_MR_62', 'left adrenal gland', 12, 'patient-left'),
    mr('Duodenum_MR_63', 'duodenum', 13),
  ],
  citations: [
    {
      key: 'ji2022amos',
      bibtex: `@inproceedings{ji2022amos,
  author    = {Ji, Yuanfeng and Bai, Haotian and Ge, Chongjian and Yang, Jie and Zhu, Ye and Zhang, Ruimao and Li, Zhen and Zhang, Lingyan and Ma, Wanling and Wan, Xiang and Luo, Ping},
  title     = {{AMOS}: A Large-Scale Abdominal Multi-Organ Benchmark for Versatile Medical Image Segmentation},
  booktitle = {Advances in Neural Information Processing Systems},
  volume    = {35},
  pages     = {36722--36732},
  year      = {2022}
}`,
    },
  ],
  download: [
    'Download amos22.zip from Zenodo, as linked from https://amos22.grand-challenge.org/: record 7155725 (https://zenodo.org/records/7155725) or the post-challenge record 7262581; no account is needed.',
    'Unzip it into <raw>/AMOS/ keeping its folders (amos22/imagesTr, labelsTr, imagesVa, labelsVa, imagesTs); __MACOSX/ is ignored.',
    'Both CT and MRI scans are in the same folders: MedBank tells them apart by id (below 500 is CT).',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'amos22.zip',
            from: { kind: 'url', url: 'https://zenodo.org/records/7155725/files/amos22.zip' },
            origin: 'torch-em amos.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: 'd2fbf2c31abba9824d183f05741ce187b17905b8cca64d1078eabf1ba96775c2',
                origin: 'torch-em amos.py, record 7155725',
              },
            ],
            format: 'zip',
            into: '',
          },
        ],
      },
    ],
    manual: {
      reason: 'only if Zenodo is unreachable',
      steps: [
        'Download amos22.zip from https://zenodo.org/records/7155725.',
        'Put it in <raw>/.downloads/AMOS/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `AMOS/
  amos22/                                   (wrapper folders are fine)
    dataset.json, readme.md
    imagesTr/   amos_0001.nii.gz ...        (ids < 500 are CT, ids >= 500 are MRI)
    labelsTr/   amos_0001.nii.gz ...        (same names)
    imagesVa/   labelsVa/                   (validation, labelled)
    imagesTs/                               (no labels in most copies; labelsTs/ is used where present)
  __MACOSX/                                 (ignored)
Labels: 1 spleen, 2 right kidney, 3 left kidney, 4 gallbladder, 5 esophagus, 6 liver, 7 stomach, 8 aorta ("arota"),
9 postcava, 10 pancreas, 11 right adrenal gland, 12 left adrenal gland, 13 duodenum, 14 bladder, 15 prostate/uterus.`,

  ignore: [
    { pattern: /(^|\/)imagesTs\//i, reason: 'imagesTs without labelsTs: test scans without published labels' },
    { pattern: /(^|\/)dataset\.json$/i, reason: "dataset.json: the release's description (labels and parts are known)" },
  ],

  async scan({ rawRoot, options, files }) {
    const names = new Set(files);
    const ctTargets = volumeTargets(
      amos.tasks.filter((t) => !t.modality),
      options,
    );
    const mrTargets = volumeTargets(
      amos.tasks.filter((t) => t.modality === 'MR'),
      options,
    );
    const jobs: JobVolume[] = [];
    const problems: Problem[] = [];
    const counts: Record<string, number> = {};
    let unlabelled = 0;
    for (const file of files) {
      const m = /^amos_(\d{4})\.nii(\.gz)?$/i.exec(path.basename(file));
      const part = /^images(Tr|Va|Ts)$/i.exec(path.basename(path.dirname(file)));
      if (!m || !part) continue;
      const label = path.join(path.dirname(path.dirname(file)), `labels${part[1]}`, path.basename(file));
      if (!names.has(label)) {
        if (part[1].toLowerCase() === 'ts') unlabelled++;
        else problems.push({ file: path.relative(rawRoot, file), reason: `no label ${path.relative(rawRoot, label)}` });
        continue;
      }
      const id = Number(m[1]);
      const modality = id < 500 ? 'CT' : 'MRI';
      const split = PARTS[part[1].toLowerCase()];
      counts[`${modality} ${split}`] = (counts[`${modality} ${split}`] ?? 0) + 1;
      jobs.push({
        kind: 'volume',
        source: 'AMOS',
        name: `amos_${m[1]}`,
        group: `amos_${m[1]}`,
        split,
        image: path.relative(rawRoot, file),
        label: path.relative(rawRoot, label),
        slicing: 'axial',
        // Ids below 500 are CT, the rest MRI (the AMOS readme): separate tasks.
        targets: id < 500 ? ctTargets : mrTargets,
        meta: { modality },
      });
    }
    const notes = [
      `${jobs.length} labelled volumes (${Object.entries(counts)
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    ];
    if (unlabelled) notes.push(`${unlabelled} imagesTs volumes without labels ignored`);
    return { jobs, problems, notes };
  },
};

export default amos;
