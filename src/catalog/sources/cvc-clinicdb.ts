// CVC-ClinicDB (CVC-612): 612 colonoscopy frames from 29 sequences; the sequence is the split group.
import path from 'node:path';
import type { Job2D, Problem, SourceAdapter } from '../types.js';
import { ext, folders, stem } from '../files.js';

/** First and last frame of each of the 29 video sequences (SOURCES.md §6). */
const SEQUENCES: [number, number][] = [
  [1, 25],
  [26, 50],
  [51, 67],
  [68, 78],
  [79, 103],
  [104, 126],
  [127, 151],
  [152, 177],
  [178, 199],
  [200, 205],
  [206, 227],
  [228, 252],
  [253, 277],
  [278, 297],
  [298, 317],
  [318, 342],
  [343, 363],
  [364, 383],
  [384, 408],
  [409, 428],
  [429, 447],
  [448, 466],
  [467, 478],
  [479, 503],
  [504, 528],
  [529, 546],
  [547, 571],
  [572, 591],
  [592, 612],
];

export function sequenceOf(frame: number): number | undefined {
  const i = SEQUENCES.findIndex(([a, b]) => frame >= a && frame <= b);
  return i < 0 ? undefined : i + 1;
}

const FORMATS = ['tif', 'png'] as const;

const clinicdb: SourceAdapter = {
  id: 'CVC-ClinicDB',
  name: 'CVC-ClinicDB',
  order: 5,
  link: 'https://polyp.grand-challenge.org/CVCClinicDB/',
  license: {
    text: 'Academic research use only; its readme forbids commercial use',
    commercial: 'no',
    attribution: 'Bernal et al., Computer Vision Center, Universitat Autonoma de Barcelona',
  },
  access: 'registration',
  modality: 'colonoscopy',
  modalityCode: 'EN',
  anatomy: 'colon',
  dimension: '2d',
  jobKind: '2d',
  tasks: [{ id: 'Polyp_EN_7', structure: 'polyp', labels: [255], rule: 'ground-truth luma above 127 (RGB or grey masks alike)' }],
  citations: [
    {
      key: 'bernal2015wmdova',
      bibtex: `@article{bernal2015wmdova,
  author  = {Bernal, Jorge and S{\\'a}nchez, F. Javier and Fern{\\'a}ndez-Esparrach, Gloria and Gil, Debora and Rodr{\\'i}guez, Cristina and Vilari{\\~n}o, Fernando},
  title   = {{WM-DOVA} maps for accurate polyp highlighting in colonoscopy: Validation vs. saliency maps from physicians},
  journal = {Computerized Medical Imaging and Graphics},
  volume  = {43},
  pages   = {99--111},
  year    = {2015},
  doi     = {10.1016/j.compmedimag.2015.02.007}
}`,
    },
  ],
  download: [
    'Request CVC-ClinicDB at https://polyp.grand-challenge.org/CVCClinicDB/ (or use the Kaggle copy "cvcclinicdb", which needs a free account).',
    'Unzip it into <raw>/CVC-ClinicDB/ keeping its folders: Original/ and Ground Truth/ (TIF), or the Kaggle PNG/ and TIF/ copies.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'CVC-ClinicDB.rar',
            from: { kind: 'url', url: 'https://www.dropbox.com/s/p5qe9eotetjnbmq/CVC-ClinicDB.rar?dl=1' },
            origin: 'Dropbox link of many READMEs (ACQUISITION.md)',
            checksums: [],
            format: 'rar',
            into: '',
          },
        ],
        note: 'a Dropbox copy; no hash is published, so the first verified download is pinned in the lock',
      },
      {
        archives: [
          {
            name: 'cvcclinicdb.zip',
            from: { kind: 'kaggle', dataset: 'balraj98/cvcclinicdb' },
            origin: 'Kaggle mirror listed in ACQUISITION.md',
            checksums: [],
            format: 'zip',
            into: '',
          },
        ],
        note: 'Kaggle mirror (needs a Kaggle API token)',
      },
    ],
    manual: {
      reason: 'the official release is given on request; the copies are unofficial',
      steps: [
        'Request CVC-ClinicDB at https://polyp.grand-challenge.org/CVCClinicDB/, or download the Kaggle copy balraj98/cvcclinicdb (free account).',
        'Put the archive (as CVC-ClinicDB.rar or cvcclinicdb.zip) in <raw>/.downloads/CVC-ClinicDB/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `CVC-ClinicDB/
  Original/1.tif ... 612.tif
  Ground Truth/1.tif ... 612.tif
or the Kaggle copy:
  CVC-ClinicDB/PNG/{Original,Ground Truth}/N.png   and   CVC-ClinicDB/TIF/{Original,Ground Truth}/N.tif
(where both copies exist the TIF originals are used)`,

  ignore: [
    {
      pattern: /(^|\/)(Original|Ground ?Truth)\/\d+\.(png|tiff?)$/i,
      reason: 'frames of the second format copy (the TIF and PNG copies hold the same frames)',
    },
    { pattern: /(^|\/)metadata\.csv$/i, reason: 'metadata.csv of the Kaggle copy (frame paths; frames are found by folder)' },
  ],

  async scan({ sourceDir, rawRoot, files }) {
    const byFormat = new Map<string, { images: Map<number, string>; masks: Map<number, string> }>(
      FORMATS.map((f) => [f, { images: new Map(), masks: new Map() }]),
    );
    for (const f of files) {
      const e = ext(f) === 'tiff' ? 'tif' : ext(f);
      const set = byFormat.get(e);
      if (!set || !/^\d+$/.test(stem(f))) continue;
      const dir = folders(sourceDir, f).at(-1)?.replace(/\s+/g, '') ?? '';
      if (dir === 'original') set.images.set(Number(stem(f)), f);
      else if (dir === 'groundtruth') set.masks.set(Number(stem(f)), f);
    }
    const format = FORMATS.find((f) => byFormat.get(f)!.images.size > 0);
    if (!format) return { jobs: [], problems: [], notes: ['no Original/ folder with numbered TIF or PNG frames found'] };
    const { images, masks } = byFormat.get(format)!;
    const notes = [`${images.size} frames (${format.toUpperCase()} copy)`];
    const other = FORMATS.find((f) => f !== format && byFormat.get(f)!.images.size > 0);
    if (other) notes.push(`the ${other.toUpperCase()} copy is ignored`);

    const jobs: Job2D[] = [];
    const problems: Problem[] = [];
    const outside: number[] = [];
    for (const [frame, image] of [...images].sort(([a], [b]) => a - b)) {
      const rel = path.relative(rawRoot, image);
      const mask = masks.get(frame);
      if (!mask) {
        problems.push({ file: rel, reason: 'no mask with the same frame number in "Ground Truth/"' });
        continue;
      }
      const sequence = sequenceOf(frame);
      if (sequence === undefined) outside.push(frame);
      jobs.push({
        kind: '2d',
        source: 'CVC-ClinicDB',
        name: `cvcclinicdb_${String(frame).padStart(4, '0')}`,
        group: sequence === undefined ? `frame-${frame}` : `sequence-${String(sequence).padStart(2, '0')}`,
        image: rel,
        targets: [{ task: 'Polyp_EN_7', mask: { kind: 'luma-above', files: [path.relative(rawRoot, mask)], above: 127 } }],
        meta: { frame, ...(sequence === undefined ? {} : { sequence }) },
      });
    }
    for (const [frame, mask] of masks)
      if (!images.has(frame)) problems.push({ file: path.relative(rawRoot, mask), reason: 'mask without its frame' });
    if (outside.length) {
      // One note, however many frames: notes go into medbank.json and the build's output.
      const shown = outside.slice(0, 10).join(', ') + (outside.length > 10 ? ', …' : '');
      notes.push(`${outside.length} frame(s) outside the 29 known sequences, each grouped alone: ${shown}`);
    }
    return { jobs, problems, notes };
  },
};

export default clinicdb;
