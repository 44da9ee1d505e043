// BTCV (Synapse abdomen): 30 labelled abdominal CT volumes with 13 organ labels, one task per organ.
import path from 'node:path';
import type { CtWindow, JobVolume, Laterality, Problem, SourceAdapter, TaskSpec } from '../types.js';
import { byCaseId, idRanges, volumeTargets } from '../volume-targets.js';

const SOFT_TISSUE: CtWindow = { level: 40, width: 400 };

function organ(id: string, structure: string, label: number, side?: Laterality): TaskSpec {
  return { id, structure, labels: [label], rule: `label value ${label} (${structure})`, window: SOFT_TISSUE, ...(side ? { side } : {}) };
}

const btcv: SourceAdapter = {
  id: 'BTCV',
  name: 'BTCV (Multi-Atlas Labeling Beyond the Cranial Vault, abdomen)',
  order: 12,
  link: 'https://www.synapse.org/Synapse:syn3193805/wiki/89480',
  license: {
    text: 'Academic use license',
    commercial: 'unclear',
    attribution:
      'Landman, Xu, Iglesias, Styner, Langerak and Klein; CT scans from Vanderbilt University Medical Center (MICCAI 2015 challenge)',
  },
  access: 'challenge',
  modality: 'CT (abdomen, portal venous phase)',
  modalityCode: 'CT',
  anatomy: 'abdomen',
  dimension: '3d',
  jobKind: 'volume',
  tasks: [
    organ('Spleen_CT_19', 'spleen', 1),
    organ('RightKidney_CT_20', 'right kidney', 2, 'patient-right'),
    organ('LeftKidney_CT_21', 'left kidney', 3, 'patient-left'),
    organ('Gallbladder_CT_22', 'gallbladder', 4),
    organ('Esophagus_CT_23', 'esophagus', 5),
    organ('Liver_CT_24', 'liver', 6),
    organ('Stomach_CT_25', 'stomach', 7),
    organ('Aorta_CT_26', 'aorta', 8),
    organ('InferiorVenaCava_CT_27', 'inferior vena cava', 9),
    organ('PortalSplenicVein_CT_28', 'portal vein and splenic vein', 10),
    organ('Pancreas_CT_29', 'pancreas', 11),
    organ('RightAdrenalGland_CT_30', 'right adrenal gland', 12, 'patient-right'),
    organ('LeftAdrenalGland_CT_31', 'left adrenal gland', 13, 'patient-left'),
  ],
  citations: [
    {
      key: 'landman2015btcv',
      bibtex: `@inproceedings{landman2015btcv,
  author    = {Landman, Bennett and Xu, Zhoubing and Iglesias, Juan Eugenio and Styner, Martin and Langerak, Thomas R. and Klein, Arno},
  title     = {{MICCAI} Multi-Atlas Labeling Beyond the Cranial Vault -- Workshop and Challenge},
  booktitle = {Proceedings of the MICCAI Multi-Atlas Labeling Beyond the Cranial Vault -- Workshop and Challenge},
  volume    = {5},
  pages     = {12},
  year      = {2015},
  url       = {https://www.synapse.org/Synapse:syn3193805/wiki/89480}
}`,
    },
  ],
  download: [
    'Create a Synapse account (https://www.synapse.org) and join the "Multi-Atlas Labeling Beyond the Cranial Vault" challenge (project syn3193805), accepting its data-use terms.',
    'In the project Files, download Abdomen/RawData.zip; not CervixRawData.zip, and not the pre-processed TransUNet "Synapse" npz/h5 release (8 organs, remapped labels).',
    'Unzip it into <raw>/BTCV/ keeping its folders (RawData/Training/img, RawData/Training/label, RawData/Testing/img).',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'RawData.zip',
            from: { kind: 'synapse', project: 'syn3193805', path: ['Abdomen', 'RawData.zip'] },
            origin: 'Synapse project syn3193805 (ACQUISITION.md; Abdomen/RawData.zip per the download steps)',
            checksums: [],
            format: 'zip',
            into: '',
          },
        ],
        note: 'needs a Synapse personal access token of an account that joined the challenge; no hash is published, so the first verified download is pinned in the lock',
      },
    ],
    manual: {
      reason: 'Synapse needs an account that joined the challenge and accepted its data-use terms',
      steps: [
        'Create a Synapse account (https://www.synapse.org) and join the "Multi-Atlas Labeling Beyond the Cranial Vault" challenge (project syn3193805), accepting its data-use terms.',
        'Either create a personal access token (Synapse: Account Settings > Personal Access Tokens, with download scope), export it as SYNAPSE_AUTH_TOKEN and rerun medbank fetch,',
        'or download Abdomen/RawData.zip from the project Files in a browser.',
        'Put RawData.zip in <raw>/.downloads/BTCV/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `BTCV/
  RawData/                                  (wrappers such as Abdomen/ are fine)
    Training/
      img/     img0001.nii.gz ... img0010.nii.gz, img0021.nii.gz ... img0040.nii.gz   (0011-0020 do not exist)
      label/   label0001.nii.gz ...                                                   (same numbers)
    Testing/
      img/     img0061.nii.gz ... img0080.nii.gz                                      (no labels; ignored)
Labels: 1 spleen, 2 right kidney, 3 left kidney, 4 gallbladder, 5 esophagus, 6 liver, 7 stomach, 8 aorta,
9 inferior vena cava, 10 portal and splenic vein, 11 pancreas, 12 right adrenal gland, 13 left adrenal gland.`,

  ignore: [{ pattern: /(^|\/)Testing\//i, reason: 'Testing: scans without published labels' }],

  async scan({ rawRoot, options, files }) {
    const images = byCaseId(files, /^img(\d{4})\.nii(\.gz)?$/i);
    const labels = byCaseId(files, /^label(\d{4})\.nii(\.gz)?$/i);
    const targets = volumeTargets(btcv.tasks, options);
    const jobs: JobVolume[] = [];
    const problems: Problem[] = [];
    const labelled: number[] = [];
    const unlabelled: number[] = [];
    for (const [id, image] of [...images].sort()) {
      const label = labels.get(id);
      if (!label) {
        unlabelled.push(Number(id));
        continue;
      }
      labelled.push(Number(id));
      jobs.push({
        kind: 'volume',
        source: 'BTCV',
        name: `btcv_img${id}`,
        group: `img${id}`,
        image: path.relative(rawRoot, image),
        label: path.relative(rawRoot, label),
        slicing: 'axial',
        targets,
        meta: {},
      });
    }
    for (const [id, label] of labels)
      if (!images.has(id)) problems.push({ file: path.relative(rawRoot, label), reason: `no image img${id}.nii.gz` });
    const notes = [`${jobs.length} labelled CT volumes (ids ${idRanges(labelled)}; ids 11-20 do not exist in BTCV)`];
    if (unlabelled.length) notes.push(`${unlabelled.length} test volumes without labels ignored (${idRanges(unlabelled)})`);
    return { jobs, problems, notes };
  },
};

export default btcv;
