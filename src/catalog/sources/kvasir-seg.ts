// Kvasir-SEG: colonoscopy JPEGs with lossy JPEG masks (thresholded); official 880/120 lists when present.
import path from 'node:path';
import type { Job2D, Problem, SourceAdapter, Split } from '../types.js';
import { ext, folders, sanitize, stem } from '../files.js';

const kvasir: SourceAdapter = {
  id: 'Kvasir-SEG',
  name: 'Kvasir-SEG',
  order: 4,
  link: 'https://datasets.simula.no/kvasir-seg/',
  license: {
    text: 'Research and education use only, with citation; commercial use is forbidden without written permission from Simula (datasets.simula.no terms and the dataset README)',
    commercial: 'no',
    attribution: 'Jha et al., Simula Research Laboratory',
  },
  access: 'open download',
  modality: 'colonoscopy',
  modalityCode: 'EN',
  anatomy: 'colon',
  dimension: '2d',
  jobKind: '2d',
  tasks: [
    {
      id: 'Polyp_EN_6',
      structure: 'polyp',
      labels: [255],
      rule: 'JPEG mask luma above 127 (lossy masks hold values near 0 and 255, never compared for equality)',
    },
  ],
  citations: [
    {
      key: 'jha2020kvasirseg',
      bibtex: `@inproceedings{jha2020kvasirseg,
  author    = {Jha, Debesh and Smedsrud, Pia H. and Riegler, Michael A. and Halvorsen, P{\\aa}l and de Lange, Thomas and Johansen, Dag and Johansen, H{\\aa}vard D.},
  title     = {{Kvasir-SEG}: A Segmented Polyp Dataset},
  booktitle = {MultiMedia Modeling (MMM 2020)},
  series    = {Lecture Notes in Computer Science},
  volume    = {11962},
  pages     = {451--462},
  publisher = {Springer},
  year      = {2020},
  doi       = {10.1007/978-3-030-37734-2_37}
}`,
    },
  ],
  download: [
    'Download kvasir-seg.zip from https://datasets.simula.no/kvasir-seg/ (no account needed).',
    'Unzip it into <raw>/Kvasir-SEG/ so that <raw>/Kvasir-SEG/Kvasir-SEG/{images,masks}/ exist.',
    'Optional, for the official 880/120 split: put train.txt and val.txt of the MediaEval 2020 Medico task (kvasir-seg-train-val) anywhere under <raw>/Kvasir-SEG/. Without them the split is seeded.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'kvasir-seg.zip',
            from: { kind: 'url', url: 'https://datasets.simula.no/downloads/kvasir-seg.zip' },
            origin: 'torch-em kvasir.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: '03b30e21d584e04facf49397a2576738fd626815771afbbf788f74a7153478f7',
                origin: 'torch-em kvasir.py',
              },
            ],
            format: 'zip',
            into: '',
          },
        ],
        note: 'the official 880/120 lists are not in the zip: put train.txt and val.txt under <raw>/Kvasir-SEG/ yourself (see download steps)',
      },
    ],
    manual: {
      reason: 'only if datasets.simula.no is unreachable',
      steps: [
        'Download kvasir-seg.zip from https://datasets.simula.no/kvasir-seg/.',
        'Put kvasir-seg.zip in <raw>/.downloads/Kvasir-SEG/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `Kvasir-SEG/
  Kvasir-SEG/
    images/   cju0qkwl35piu0993l0dewei2.jpg ...
    masks/    cju0qkwl35piu0993l0dewei2.jpg ... (same names; JPEG)
    kavsir_bboxes.json                     (ignored)
  train.txt, val.txt                       (optional official split lists, one id per line)`,

  ignore: [{ pattern: /(^|\/)kavsir_bboxes\.json$/i, reason: 'kavsir_bboxes.json: bounding boxes (the pixel masks are used)' }],

  async scan({ sourceDir, rawRoot, files, readText }) {
    const images = new Map<string, string>();
    const masks = new Map<string, string>();
    const lists: Partial<Record<Split, string>> = {};
    for (const f of files) {
      const dirs = folders(sourceDir, f);
      const base = path.basename(f).toLowerCase();
      if (base === 'train.txt') lists.train = f;
      else if (base === 'val.txt') lists.val = f;
      else if (['jpg', 'jpeg', 'png'].includes(ext(f))) {
        if (dirs.at(-1) === 'images') images.set(stem(f), f);
        else if (dirs.at(-1) === 'masks') masks.set(stem(f), f);
      }
    }
    const official = new Map<string, Split>();
    const problems: Problem[] = [];
    const notes: string[] = [];
    if (lists.train && lists.val) {
      for (const split of ['train', 'val'] as const) {
        const text = await readText(lists[split]!);
        for (const line of text.split(/\r?\n/)) {
          const id = stem(line.trim());
          if (id) official.set(id, split);
        }
      }
      notes.push(`official split lists found: ${path.relative(rawRoot, lists.train)}, ${path.relative(rawRoot, lists.val)}`);
    } else {
      notes.push('no official train.txt/val.txt lists found: seeded grouped split');
    }

    const jobs: Job2D[] = [];
    let unlisted = 0;
    for (const [id, image] of [...images].sort()) {
      const rel = path.relative(rawRoot, image);
      const mask = masks.get(id);
      if (!mask) {
        problems.push({ file: rel, reason: 'no mask with the same name in masks/' });
        continue;
      }
      const split = official.size ? official.get(id) : undefined;
      if (official.size && !split) unlisted++;
      const name = sanitize('kvasir', id);
      jobs.push({
        kind: '2d',
        source: 'Kvasir-SEG',
        name,
        group: name,
        ...(split ? { split } : {}),
        image: rel,
        targets: [{ task: 'Polyp_EN_6', mask: { kind: 'luma-above', files: [path.relative(rawRoot, mask)], above: 127 } }],
        meta: {},
      });
    }
    for (const [id, mask] of masks)
      if (!images.has(id)) problems.push({ file: path.relative(rawRoot, mask), reason: 'mask without its image' });
    if (unlisted) notes.push(`${unlisted} images are in neither official list: seeded split for them`);
    const absent = [...official.keys()].filter((id) => !images.has(id)).length;
    if (absent) notes.push(`${absent} ids of the official lists have no image`);
    notes.unshift(`${jobs.length} image/mask pairs`);
    return { jobs, problems, notes };
  },
};

export default kvasir;
