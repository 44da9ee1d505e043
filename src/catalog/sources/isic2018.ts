// ISIC 2018 Task 1: dermoscopy JPEGs with 0/255 PNG masks in the official train/val/test folders.
import path from 'node:path';
import type { Job2D, Problem, SourceAdapter, Split } from '../types.js';
import { ext, stem } from '../files.js';

const ID = /^(ISIC_\d+)$/i;
const MASK = /^(ISIC_\d+)_segmentation$/i;

/** The official split is in the folder name: ..._Training_..., ..._Validation_..., ..._Test_... */
function splitOf(dir: string): Split | undefined {
  const d = dir.toLowerCase();
  if (d.includes('training')) return 'train';
  if (d.includes('validation')) return 'val';
  if (d.includes('test')) return 'test';
  return undefined;
}

function splitFromPath(root: string, file: string): Split | undefined {
  for (const part of path.relative(root, path.dirname(file)).split(path.sep).reverse()) {
    const s = splitOf(part);
    if (s) return s;
  }
  return undefined;
}

const isic2018: SourceAdapter = {
  id: 'ISIC2018',
  name: 'ISIC 2018 Task 1 (Lesion Boundary Segmentation)',
  order: 3,
  link: 'https://challenge.isic-archive.com/',
  license: {
    text: 'CC BY-NC 4.0',
    spdx: 'CC-BY-NC-4.0',
    commercial: 'no',
    attribution: 'International Skin Imaging Collaboration (ISIC); HAM10000 by Tschandl, Rosendahl and Kittler',
  },
  access: 'open download',
  modality: 'dermoscopy',
  modalityCode: 'DS',
  anatomy: 'skin',
  dimension: '2d',
  jobKind: '2d',
  tasks: [{ id: 'SkinLesion_DS_5', structure: 'skin lesion', labels: [255], rule: 'mask value above 127 (masks are 0/255)' }],
  citations: [
    {
      key: 'tschandl2018ham10000',
      bibtex: `@article{tschandl2018ham10000,
  author  = {Tschandl, Philipp and Rosendahl, Cliff and Kittler, Harald},
  title   = {The {HAM10000} dataset, a large collection of multi-source dermatoscopic images of common pigmented skin lesions},
  journal = {Scientific Data},
  volume  = {5},
  number  = {1},
  pages   = {180161},
  year    = {2018},
  doi     = {10.1038/sdata.2018.161}
}`,
    },
    {
      key: 'codella2019isic',
      bibtex: `@misc{codella2019isic,
  author        = {Codella, Noel and Rotemberg, Veronica and Tschandl, Philipp and Celebi, M. Emre and Dusza, Stephen and Gutman, David and Helba, Brian and Kalloo, Aadi and Liopyris, Konstantinos and Marchetti, Michael and Kittler, Harald and Halpern, Allan},
  title         = {Skin Lesion Analysis Toward Melanoma Detection 2018: A Challenge Hosted by the International Skin Imaging Collaboration ({ISIC})},
  year          = {2019},
  eprint        = {1902.03368},
  archivePrefix = {arXiv}
}`,
    },
  ],
  download: [
    'Open https://challenge.isic-archive.com/data/#2018 (no account needed).',
    'Download the six Task 1 archives: ISIC2018_Task1-2_{Training,Validation,Test}_Input.zip and ISIC2018_Task1_{Training,Validation,Test}_GroundTruth.zip.',
    'Unzip all six into <raw>/ISIC2018/ (each unpacks to a folder of its own name).',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'ISIC2018_Task1-2_Training_Input.zip',
            from: { kind: 'url', url: 'https://isic-challenge-data.s3.amazonaws.com/2018/ISIC2018_Task1-2_Training_Input.zip' },
            origin: 'torch-em isic.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: '80f98572347a2d7a376227fa9eb2e4f7459d317cb619865b8b9910c81446675f',
                origin: 'torch-em isic.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'ISIC2018_Task1-2_Validation_Input.zip',
            from: { kind: 'url', url: 'https://isic-challenge-data.s3.amazonaws.com/2018/ISIC2018_Task1-2_Validation_Input.zip' },
            origin: 'torch-em isic.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: '0ea920fcfe512d12a6e620b50b50233c059f67b10146e1479c82be58ff15a797',
                origin: 'torch-em isic.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'ISIC2018_Task1-2_Test_Input.zip',
            from: { kind: 'url', url: 'https://isic-challenge-data.s3.amazonaws.com/2018/ISIC2018_Task1-2_Test_Input.zip' },
            origin: 'torch-em isic.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: 'e59ae1f69f4ed16f09db2cb1d76c2a828487b63d28f6ab85997f5616869b127d',
                origin: 'torch-em isic.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'ISIC2018_Task1_Training_GroundTruth.zip',
            from: { kind: 'url', url: 'https://isic-challenge-data.s3.amazonaws.com/2018/ISIC2018_Task1_Training_GroundTruth.zip' },
            origin: 'torch-em isic.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: '99f8b2bb3c4d6af483362010715f7e7d5d122d9f6c02cac0e0d15bef77c7604c',
                origin: 'torch-em isic.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'ISIC2018_Task1_Validation_GroundTruth.zip',
            from: { kind: 'url', url: 'https://isic-challenge-data.s3.amazonaws.com/2018/ISIC2018_Task1_Validation_GroundTruth.zip' },
            origin: 'torch-em isic.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: 'f6911e9c0a64e6d687dd3ca466ca927dd5e82145cb2163b7a1e5b37d7a716285',
                origin: 'torch-em isic.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'ISIC2018_Task1_Test_GroundTruth.zip',
            from: { kind: 'url', url: 'https://isic-challenge-data.s3.amazonaws.com/2018/ISIC2018_Task1_Test_GroundTruth.zip' },
            origin: 'torch-em isic.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: '2e8f6edce454a5bdee52485e39f92bd6eddf357e81f39018d05512175238ef82',
                origin: 'torch-em isic.py',
              },
            ],
            format: 'zip',
            into: '',
          },
        ],
      },
    ],
    manual: {
      reason: 'only if the ISIC bucket is unreachable',
      steps: [
        'Download the six archives from https://challenge.isic-archive.com/data/#2018.',
        'Put them in <raw>/.downloads/ISIC2018/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `ISIC2018/
  ISIC2018_Task1-2_Training_Input/        ISIC_0000000.jpg ... (ATTRIBUTION.txt, LICENSE.txt ignored)
  ISIC2018_Task1_Training_GroundTruth/    ISIC_0000000_segmentation.png ...
  ISIC2018_Task1-2_Validation_Input/      ISIC2018_Task1_Validation_GroundTruth/
  ISIC2018_Task1-2_Test_Input/            ISIC2018_Task1_Test_GroundTruth/`,

  ignore: [
    { pattern: /(^|\/)ISIC2018_Task2_|_attribute_/i, reason: 'Task 2 lesion attribute masks (not the lesion boundary task)' },
    { pattern: /(^|\/)ISIC2018_Task3_/i, reason: 'Task 3 classification data' },
  ],

  async scan({ sourceDir, rawRoot, files }) {
    const images = new Map<string, string>();
    const masks = new Map<string, string>();
    for (const f of files) {
      const s = stem(f);
      if (ext(f) === 'png' && MASK.test(s)) masks.set(`${splitFromPath(sourceDir, f)}/${MASK.exec(s)![1].toUpperCase()}`, f);
      else if (['jpg', 'jpeg', 'png'].includes(ext(f)) && ID.test(s)) images.set(`${splitFromPath(sourceDir, f)}/${s.toUpperCase()}`, f);
    }
    const jobs: Job2D[] = [];
    const problems: Problem[] = [];
    const counts: Record<string, number> = {};
    for (const [key, image] of [...images].sort()) {
      const rel = path.relative(rawRoot, image);
      const split = splitFromPath(sourceDir, image);
      const mask = masks.get(key);
      if (!mask) {
        problems.push({
          file: rel,
          reason: 'no ground-truth mask (expected ISIC_<id>_segmentation.png in the matching GroundTruth folder)',
        });
        continue;
      }
      if (!split) {
        problems.push({ file: rel, reason: 'not in a Training, Validation or Test folder: official split unknown' });
        continue;
      }
      const id = stem(image).toUpperCase();
      const name = `isic2018_${id.slice(5)}`;
      counts[split] = (counts[split] ?? 0) + 1;
      jobs.push({
        kind: '2d',
        source: 'ISIC2018',
        name,
        group: name,
        split,
        image: rel,
        targets: [{ task: 'SkinLesion_DS_5', mask: { kind: 'luma-above', files: [path.relative(rawRoot, mask)], above: 127 } }],
        meta: { isicId: id },
      });
    }
    for (const [key, mask] of masks)
      if (!images.has(key)) problems.push({ file: path.relative(rawRoot, mask), reason: 'mask without its input image' });
    return { jobs, problems, notes: [`official split: train ${counts.train ?? 0}, val ${counts.val ?? 0}, test ${counts.test ?? 0}`] };
  },
};

export default isic2018;
