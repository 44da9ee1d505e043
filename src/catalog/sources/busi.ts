// BUSI: breast ultrasound PNGs with one mask per lesion (`_mask`, `_mask_1`, `_mask_2`), OR-ed.
import path from 'node:path';
import type { Job2D, Problem, SourceAdapter } from '../types.js';
import { ext, sanitize, stem } from '../files.js';

const MASK_SUFFIX = /_mask(_\d+)?$/i;

const busi: SourceAdapter = {
  id: 'BUSI',
  name: 'BUSI (Breast Ultrasound Images)',
  order: 0,
  link: 'https://www.kaggle.com/datasets/agneshyadav/breast-ultrasound-images-dataset-dataset-busi',
  license: {
    text: 'Database Contents License (DbCL) v1.0',
    spdx: 'DbCL-1.0',
    commercial: 'unclear',
    attribution:
      'Al-Dhabyani, Gomaa, Khaled and Fahmy, Baheya Hospital / Cairo University (the article is CC BY 4.0; the Kaggle mirror states DbCL v1.0)',
  },
  access: 'open download',
  modality: 'ultrasound',
  modalityCode: 'UT',
  anatomy: 'breast',
  dimension: '2d',
  jobKind: '2d',
  tasks: [
    {
      id: 'BreastTumor_UT_0',
      structure: 'breast tumour',
      labels: [],
      rule: 'union of all mask files of the image (`_mask`, `_mask_1`, `_mask_2`), luma above 127; 1-bit, 8-bit and RGBA masks alike',
    },
  ],
  citations: [
    {
      key: 'aldhabyani2020busi',
      bibtex: `@article{aldhabyani2020busi,
  author  = {Al-Dhabyani, Walid and Gomaa, Mohammed and Khaled, Hussien and Fahmy, Aly},
  title   = {Dataset of breast ultrasound images},
  journal = {Data in Brief},
  volume  = {28},
  pages   = {104863},
  year    = {2020},
  doi     = {10.1016/j.dib.2019.104863}
}`,
    },
  ],
  download: [
    'Download "Dataset_BUSI.zip" from https://scholar.cu.edu.eg/?q=afahmy/pages/dataset or the Kaggle mirror (a free Kaggle account is needed).',
    'Unzip it into <raw>/BUSI/ so that <raw>/BUSI/Dataset_BUSI_with_GT/{benign,malignant,normal}/ exist.',
    'Keep the file names as shipped (spaces and parentheses included): MedBank pairs masks by name.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'breast-ultrasound-images-dataset-dataset-busi.zip',
            from: { kind: 'kaggle', dataset: 'agneshyadav/breast-ultrasound-images-dataset-dataset-busi' },
            origin: 'Kaggle mirror listed in ACQUISITION.md',
            checksums: [],
            format: 'zip',
            into: '',
          },
        ],
        note: 'Kaggle mirror (needs a Kaggle API token); no hash is published, so the first verified download is pinned in the lock',
      },
      {
        archives: [
          {
            name: 'Dataset_BUSI.zip',
            from: { kind: 'hand' },
            origin: 'https://scholar.cu.edu.eg/Dataset_BUSI.zip (torch-em medical/busi.py)',
            checksums: [
              {
                algorithm: 'sha256',
                value: 'b2ce09f6063a31a73f628b6a6ee1245187cbaec225e93e563735691d68654de7',
                origin: 'torch-em medical/busi.py',
              },
            ],
            format: 'zip',
            into: '',
          },
        ],
        note: "official zip, placed by hand: its host's TLS certificate is broken and MedBank never turns verification off",
      },
    ],
    manual: {
      reason:
        "the official host's TLS certificate is broken (MedBank never turns verification off) and the Kaggle mirror needs a Kaggle API token",
      steps: [
        'Either set up a Kaggle API token (README, "Fetching") and rerun medbank fetch: it downloads the Kaggle mirror.',
        'Or download https://scholar.cu.edu.eg/Dataset_BUSI.zip in a browser, after checking the certificate warning yourself.',
        'Put Dataset_BUSI.zip in <raw>/.downloads/BUSI/ and rerun medbank fetch: it is checked and unpacked like a download. Its sha256 must match the one torch-em publishes.',
      ],
    },
  },
  layout: `BUSI/
  Dataset_BUSI_with_GT/            (any wrapper folders above it are fine)
    benign/     benign (1).png, benign (1)_mask.png, benign (4)_mask_1.png ...
    malignant/  malignant (1).png, malignant (1)_mask.png ...
    normal/     normal (1).png, normal (1)_mask.png (empty masks)`,

  async scan({ rawRoot, files }) {
    const pngs = files.filter((f) => ext(f) === 'png');
    const masksByImage = new Map<string, string[]>();
    const images: string[] = [];
    for (const f of pngs) {
      const s = stem(f);
      if (MASK_SUFFIX.test(s)) {
        const key = path.join(path.dirname(f), s.replace(MASK_SUFFIX, ''));
        masksByImage.set(key, [...(masksByImage.get(key) ?? []), f].sort());
      } else images.push(f);
    }
    const jobs: Job2D[] = [];
    const problems: Problem[] = [];
    const perClass = new Map<string, number>();
    for (const image of images) {
      const rel = path.relative(rawRoot, image);
      const masks = masksByImage.get(path.join(path.dirname(image), stem(image)));
      if (!masks) {
        problems.push({ file: rel, reason: 'no mask file (expected "<name>_mask.png" beside the image)' });
        continue;
      }
      const cls = path.basename(path.dirname(image)).toLowerCase();
      perClass.set(cls, (perClass.get(cls) ?? 0) + 1);
      const name = sanitize('busi', stem(image));
      jobs.push({
        kind: '2d',
        source: 'BUSI',
        name,
        // No patient ids: each image is its own group; identical images are merged by hash.
        group: name,
        image: rel,
        targets: [
          { task: 'BreastTumor_UT_0', mask: { kind: 'luma-above', files: masks.map((m) => path.relative(rawRoot, m)), above: 127 } },
        ],
        meta: { class: cls, maskFiles: masks.length },
      });
    }
    const imageKeys = new Set(images.map((i) => path.join(path.dirname(i), stem(i))));
    for (const [key, masks] of masksByImage) {
      if (!imageKeys.has(key)) for (const m of masks) problems.push({ file: path.relative(rawRoot, m), reason: 'mask without its image' });
    }
    const notes = [`${jobs.length} images (${[...perClass].map(([c, n]) => `${c} ${n}`).join(', ')})`];
    const multi = jobs.filter((j) => j.targets[0].mask.kind === 'luma-above' && j.targets[0].mask.files.length > 1).length;
    if (multi) notes.push(`${multi} images with several lesion masks (OR-ed)`);
    return { jobs, problems, notes };
  },
};

export default busi;
