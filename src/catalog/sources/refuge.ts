// REFUGE (2018): fundus JPEGs with one grey BMP per image holding disc (128) and cup (0); official 400/400/400.
import path from 'node:path';
import type { Job2D, Problem, SourceAdapter, Split } from '../types.js';
import { ext, folders, stem } from '../files.js';

/*
 * Mask classes are 0 (cup), 128 (rim) and 255 (background); anti-aliased or lossy edges hold values
 * in between (127, 129, 254...). Each pixel goes to the nearest class: the midpoints 191.5 and 64
 * split background from disc and cup from rim, so disc = luma < 192 and cup = luma < 64.
 */
const DISC_BELOW = 192;
const CUP_BELOW = 64;
/**
 * The disc (and the cup inside it) is a small part of a fundus photograph (a few per cent); a mask
 * whose disc covers half the image or more has its classes inverted (e.g. a 255-is-disc export).
 */
const MAX_SHARE = 0.5;

/** The stray AMD folder some packages carry, and annotation renderings (JPEGs named like the photos). */
const IGNORED_FOLDER = /^amd$|illustration/;
/** Folders whose files are masks, never fundus photos. */
const MASK_FOLDER = /^(disc_cup_masks|masks?|gt)$|annotation|-gt$/;

/** Official split from a folder name: the challenge archives and the Kaggle mirror's train/val/test. */
function splitOfFolder(name: string): Split | undefined {
  if (name.includes('train')) return 'train';
  if (name.includes('valid') || name === 'val') return 'val';
  if (name.includes('test')) return 'test';
  return undefined;
}

/** The id's first letter names the split where folders do not: g/n train, V val, T test. */
function splitOfId(id: string): Split | undefined {
  return /^[gn]\d+$/i.test(id) ? 'train' : /^v\d+$/i.test(id) ? 'val' : /^t\d+$/i.test(id) ? 'test' : undefined;
}

/** Glaucoma label from the class folders (Glaucoma / Non-Glaucoma, test GT G / N) or the train id prefix. */
function glaucomaOf(dirs: string[], id: string): boolean | undefined {
  for (const d of [...dirs].reverse()) {
    if (d === 'glaucoma' || d === 'g') return true;
    if (d === 'non-glaucoma' || d === 'n') return false;
  }
  return /^g\d+$/i.test(id) ? true : /^n\d+$/i.test(id) ? false : undefined;
}

const refuge: SourceAdapter = {
  id: 'REFUGE',
  name: 'REFUGE (Retinal Fundus Glaucoma Challenge 2018)',
  order: 1,
  link: 'https://refuge.grand-challenge.org/',
  license: {
    text: 'Academic use license',
    commercial: 'unclear',
    attribution: 'Orlando, Fu, Bogunović et al., organisers of the REFUGE challenge (MICCAI 2018)',
  },
  access: 'challenge',
  modality: 'fundus photography',
  modalityCode: 'OC',
  anatomy: 'eye (optic nerve head)',
  dimension: '2d',
  jobKind: '2d',
  tasks: [
    {
      id: 'OpticDisc_OC_1',
      structure: 'optic disc (including the cup)',
      labels: [0, 128],
      rule: 'mask luma below 192, the midpoint between rim (128) and background (255): rim and cup, anti-aliased edges go to the nearest class',
    },
    {
      id: 'OpticCup_OC_2',
      structure: 'optic cup',
      labels: [0],
      rule: 'mask luma below 64, the midpoint between cup (0) and rim (128)',
    },
  ],
  citations: [
    {
      key: 'orlando2020refuge',
      bibtex: `@article{orlando2020refuge,
  author  = {Orlando, Jos{\\'e} Ignacio and Fu, Huazhu and Barbosa Breda, Jo{\\~a}o and van Keer, Karel and Bathula, Deepti R. and Diaz-Pinto, Andr{\\'e}s and Fang, Ruogu and Heng, Pheng-Ann and Kim, Jeyoung and Lee, JoonHo and others},
  title   = {{REFUGE} Challenge: A unified framework for evaluating automated methods for glaucoma assessment from fundus photographs},
  journal = {Medical Image Analysis},
  volume  = {59},
  pages   = {101570},
  year    = {2020},
  doi     = {10.1016/j.media.2019.101570}
}`,
    },
  ],
  download: [
    'Create a grand-challenge.org account and join the REFUGE challenge at https://refuge.grand-challenge.org/ to reach its download page.',
    'Download REFUGE2.zip: it holds the six REFUGE 2018 archives REFUGE-Training400.zip, Annotation-Training400.zip, REFUGE-Validation400.zip, REFUGE-Validation400-GT.zip, REFUGE-Test400.zip and REFUGE-Test-GT.zip.',
    'Unzip it into <raw>/REFUGE/, then unzip each inner archive where it lies, keeping its folders (extra wrapper folders and __MACOSX/ are fine).',
    'Alternatively unpack the Kaggle mirror victorlemosml/refuge2 (free Kaggle account) into <raw>/REFUGE/: despite its name, its REFUGE2/{train,val,test} folders hold the 2018 data.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'REFUGE-Training400.zip',
            from: { kind: 'url', url: 'https://aipe-broad-dataset.cdn.bcebos.com/gno/REFUGE-Training400.zip' },
            origin: 'ml-prepare ml_prepare/refuge/tfds.py (ACQUISITION.md)',
            size: 716_807_624,
            checksums: [
              {
                algorithm: 'sha256',
                value: 'c6d4f8cd66b0b558f8f63245803cba53e774ab6c5de9dfb7bd113a6e30fb183a',
                origin: 'ml-prepare ml_prepare/refuge/tfds.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'Annotation-Training400.zip',
            from: { kind: 'url', url: 'https://aipe-broad-dataset.cdn.bcebos.com/gno/Annotation-Training400.zip' },
            origin: 'ml-prepare ml_prepare/refuge/tfds.py (ACQUISITION.md)',
            size: 348_137_626,
            checksums: [
              {
                algorithm: 'sha256',
                value: '5dc4b16c5e4c3f7c30106b0f22f0b44b7d4bdc18f12d3a0d2e0cadc41fd8e92b',
                origin: 'ml-prepare ml_prepare/refuge/tfds.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'REFUGE-Validation400.zip',
            from: { kind: 'url', url: 'https://aipe-broad-dataset.cdn.bcebos.com/gno/REFUGE-Validation400.zip' },
            origin: 'ml-prepare ml_prepare/refuge/tfds.py (ACQUISITION.md)',
            size: 363_541_061,
            checksums: [
              {
                algorithm: 'sha256',
                value: '41867a62214bd2da5750bd9c4cbd2f25802f5340a3042732227ebe2286a867c6',
                origin: 'ml-prepare ml_prepare/refuge/tfds.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'REFUGE-Validation400-GT.zip',
            from: { kind: 'url', url: 'https://aipe-broad-dataset.cdn.bcebos.com/gno/REFUGE-Validation400-GT.zip' },
            origin: 'ml-prepare ml_prepare/refuge/tfds.py (ACQUISITION.md)',
            size: 5_320_597,
            checksums: [
              {
                algorithm: 'sha256',
                value: 'e535a7bf0ad7bc6e94ffa68f8bda5e4965be0972d31c44f610c60beb3e1a9e84',
                origin: 'ml-prepare ml_prepare/refuge/tfds.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'REFUGE-Test400.zip',
            from: { kind: 'url', url: 'https://aipe-broad-dataset.cdn.bcebos.com/gno/REFUGE-Test400.zip' },
            origin: 'ml-prepare ml_prepare/refuge/tfds.py (ACQUISITION.md)',
            size: 360_832_658,
            checksums: [
              {
                algorithm: 'sha256',
                value: 'ff8a2f14ec94812186310cbf490a69c6deed9d9377c1f9dd5ba05ee0ff1a99cb',
                origin: 'ml-prepare ml_prepare/refuge/tfds.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'REFUGE-Test-GT.zip',
            from: { kind: 'hand' },
            origin: 'inside REFUGE2.zip of the grand-challenge download (login)',
            checksums: [],
            format: 'zip',
            into: '',
            optional: true,
          },
        ],
        note: 'the 2018 zips from the CDN ml-prepare uses (whether it is still live is unknown); the test labels need a grand-challenge login',
      },
    ],
    manual: {
      reason: 'the official download and the test labels (REFUGE-Test-GT.zip, only inside REFUGE2.zip) need a grand-challenge login',
      steps: [
        'Create a grand-challenge.org account and join the REFUGE challenge at https://refuge.grand-challenge.org/ to reach its download page.',
        'Download REFUGE2.zip and take REFUGE-Test-GT.zip out of it (and the five other archives if the CDN is down).',
        'Put those archives in <raw>/.downloads/REFUGE/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `REFUGE/
  Training400/                      (wrappers such as REFUGE2/REFUGE2/ or a doubled folder name are fine)
    Glaucoma/       g0001.jpg ... g0040.jpg
    Non-Glaucoma/   n0001.jpg ... n0360.jpg
  Annotation-Training400/
    Disc_Cup_Masks/{Glaucoma,Non-Glaucoma}/   g0001.bmp ... n0360.bmp
  REFUGE-Validation400/             V0001.jpg ... V0400.jpg
  REFUGE-Validation400-GT/
    Disc_Cup_Masks/                 V0001.bmp ... V0400.bmp
  Test400/                          T0001.jpg ... T0400.jpg
  REFUGE-Test-GT/
    Disc_Cup_Masks/{G,N}/           T0001.bmp ... T0400.bmp
  __MACOSX/, Training400/AMD/       (ignored)
or the Kaggle mirror:
  REFUGE2/{train,val,test}/images/*.jpg   REFUGE2/{train,val,test}/mask/*.bmp (val masks are .png)
Masks: one grey image per fundus photo, 0 = cup, 128 = disc rim, 255 = background.`,

  ignore: [
    { pattern: /(^|\/)Disc_Cup_Fovea_Illustration\//i, reason: 'illustrations of disc, cup and fovea (drawings, not masks)' },
    { pattern: /(^|\/)AMD\//i, reason: 'AMD images of Training400 (no disc/cup masks)' },
  ],

  async scan({ sourceDir, rawRoot, files }) {
    const images = new Map<string, string>();
    const masks = new Map<string, string>();
    const problems: Problem[] = [];
    const duplicates: string[] = [];
    for (const f of files) {
      const dirs = folders(sourceDir, f);
      if (dirs.some((d) => IGNORED_FOLDER.test(d))) continue;
      const e = ext(f);
      const isMask = dirs.some((d) => MASK_FOLDER.test(d)) ? ['bmp', 'png'].includes(e) : e === 'bmp';
      const isImage = !isMask && ['jpg', 'jpeg', 'png'].includes(e) && !dirs.some((d) => MASK_FOLDER.test(d));
      if (!isMask && !isImage) continue;
      const id = stem(f);
      const split = [...dirs].reverse().map(splitOfFolder).find(Boolean) ?? splitOfId(id);
      if (!split) {
        problems.push({ file: path.relative(rawRoot, f), reason: 'not in a training, validation or test folder: official split unknown' });
        continue;
      }
      const key = `${split}/${id.toLowerCase()}`;
      const into = isMask ? masks : images;
      if (into.has(key)) duplicates.push(path.relative(rawRoot, f));
      else into.set(key, f);
    }

    const jobs: Job2D[] = [];
    const counts: Record<Split, number> = { train: 0, val: 0, test: 0 };
    for (const [key, image] of [...images].sort()) {
      const rel = path.relative(rawRoot, image);
      const mask = masks.get(key);
      if (!mask) {
        problems.push({
          file: rel,
          reason: 'no disc/cup mask with the same id (expected <id>.bmp or .png in a Disc_Cup_Masks or mask folder)',
        });
        continue;
      }
      const split = key.slice(0, key.indexOf('/')) as Split;
      const id = stem(image);
      const maskRel = path.relative(rawRoot, mask);
      const glaucoma = glaucomaOf([...folders(sourceDir, mask), ...folders(sourceDir, image)], id);
      counts[split]++;
      const name = `refuge_${id.toLowerCase()}`;
      jobs.push({
        kind: '2d',
        source: 'REFUGE',
        name,
        // One eye per image, no patient linkage published.
        group: name,
        split,
        image: rel,
        targets: [
          { task: 'OpticDisc_OC_1', mask: { kind: 'luma-below', file: maskRel, below: DISC_BELOW, maxShare: MAX_SHARE } },
          { task: 'OpticCup_OC_2', mask: { kind: 'luma-below', file: maskRel, below: CUP_BELOW, maxShare: MAX_SHARE } },
        ],
        meta: { refugeId: id, ...(glaucoma === undefined ? {} : { glaucoma }) },
      });
    }
    for (const [key, mask] of masks)
      if (!images.has(key)) problems.push({ file: path.relative(rawRoot, mask), reason: 'mask without its fundus image' });
    const notes = [`official split: train ${counts.train}, val ${counts.val}, test ${counts.test}`];
    if (duplicates.length)
      notes.push(
        `${duplicates.length} files repeat an id already found (a second copy of an archive?) and are ignored, e.g. ${duplicates[0]}`,
      );
    return { jobs, problems, notes };
  },
};

export default refuge;
