// RIM-ONE r3: 159 stereo fundus JPEGs (left half annotated) with binary disc and cup PNGs per expert.
import path from 'node:path';
import type { Job2D, MaskTarget, Problem, SourceAdapter } from '../types.js';
import { UsageError } from '../../errors.js';
import { ext, stem } from '../files.js';

/** `<class>-<number>-<eye>`: N healthy, G glaucoma, S suspect. */
const ID = /^([NGS])-(\d+)-([LR])$/i;
/** `N-10-R-1-Disc-exp1`, `N-10-R-Cup-exp2`, `N-10-R-Disc-Avg` (the `-1` image index is optional). */
const MASK = /^([NGS]-\d+-[LR])(?:-\d+)?-(disc|cup)-(exp1|exp2|avg)$/i;

const ANNOTATORS = { exp1: 'expert 1', exp2: 'expert 2', avg: 'average of both experts' } as const;
type Annotator = keyof typeof ANNOTATORS;
const CLASSES: Record<string, string> = { n: 'healthy', g: 'glaucoma', s: 'suspect' };
const TASKS = { disc: 'OpticDisc_OC_3', cup: 'OpticCup_OC_4' } as const;

/** `--source-option annotator=exp1|exp2|avg` (also `1`, `2`, `average`); expert 1 by default, as bob does. */
function annotatorOf(value: string | undefined): Annotator {
  const v = (value ?? 'exp1').trim().toLowerCase();
  const alias: Record<string, Annotator> = { exp1: 'exp1', '1': 'exp1', exp2: 'exp2', '2': 'exp2', avg: 'avg', average: 'avg' };
  const picked = alias[v];
  if (!picked) throw new UsageError(`RIM-ONE_r3 annotator must be exp1, exp2 or avg, got "${value}"`);
  return picked;
}

const rimOne: SourceAdapter = {
  id: 'RIM-ONE_r3',
  name: 'RIM-ONE release 3',
  order: 2,
  link: 'https://www.idiap.ch/software/bob/docs/bob/bob.db.rimoner3/stable/index.html',
  license: {
    text: 'Academic use license',
    commercial: 'unclear',
    attribution:
      'Fumero, Sigut, Alayón, González-Hernández and González de la Rosa, Medical Image Analysis Group, University of La Laguna (its readme allows research use and forbids redistribution without consent)',
  },
  access: 'open download',
  modality: 'fundus photography (stereo pairs)',
  modalityCode: 'OC',
  anatomy: 'eye (optic nerve head)',
  dimension: '2d',
  jobKind: '2d',
  tasks: [
    {
      id: 'OpticDisc_OC_3',
      structure: 'optic disc',
      labels: [],
      rule: 'disc mask of the chosen annotator (`--source-option annotator=exp1|exp2|avg`, expert 1 by default), luma above 127, cropped with the image to the annotated left half of the stereo pair',
    },
    {
      id: 'OpticCup_OC_4',
      structure: 'optic cup',
      labels: [],
      rule: 'cup mask of the chosen annotator (`--source-option annotator=exp1|exp2|avg`, expert 1 by default), luma above 127, cropped with the image to the annotated left half of the stereo pair',
    },
  ],
  citations: [
    {
      key: 'fumero2015rimone',
      bibtex: `@inproceedings{fumero2015rimone,
  author    = {Fumero, Francisco and Sigut, Jose and Alay{\\'o}n, Silvia and Gonz{\\'a}lez-Hern{\\'a}ndez, M. and Gonz{\\'a}lez de la Rosa, M.},
  title     = {Interactive tool and database for optic disc and cup segmentation of stereo and monocular retinal fundus images},
  booktitle = {WSCG 2015: 23rd International Conference in Central Europe on Computer Graphics, Visualization and Computer Vision, Short Papers Proceedings},
  month     = jun,
  year      = {2015}
}`,
    },
  ],
  download: [
    'Download the RIM-ONE release 3 zip from the University of La Laguna MIAG site (http://medimrg.webs.ull.es/research/retinal-imaging/rim-one/, as referenced by the bob.db.rimoner3 docs); no account is needed, but the host is often offline, so keep a copy.',
    'Take release 3 (159 stereo images), not RIM-ONE DL (2020, 485 images) nor the earlier releases.',
    'Unzip it into <raw>/RIM-ONE_r3/ keeping its folders, spaces included ("Healthy", "Glaucoma and suspects").',
  ],
  fetch: {
    routes: [],
    manual: {
      reason: 'no archive URL or file name is known: the University of La Laguna host is often offline',
      steps: [
        'Download the RIM-ONE release 3 zip from http://medimrg.webs.ull.es/research/downloads/ (bob.ip.binseg docs) when the host is up; no account is needed.',
        'Put the zip (any name) in <raw>/.downloads/RIM-ONE_r3/ and rerun medbank fetch: it is unpacked, and its sha256 pinned in the lock.',
      ],
    },
    anyArchive: true,
  },
  layout: `RIM-ONE_r3/
  Healthy/                          (a wrapper folder above it is fine)
    Stereo Images/    N-1-L.jpg ... (2144x1424 stereo pairs; only the left 1072 px are annotated)
    Expert1_masks/    N-10-R-1-Disc-exp1.png, N-10-R-1-Cup-exp1.png ...
    Expert2_masks/    ...-Disc-exp2.png, ...-Cup-exp2.png
    Average_masks/    N-10-R-Disc-Avg.png, N-10-R-Cup-Avg.png ...
  Glaucoma and suspects/
    (the same four folders; ids G-<n>-<eye> and S-<n>-<eye>)
  Scripts/                          (Matlab, ignored)
Ids are <class>-<number>-<eye>: N healthy (85), G glaucoma (39), S suspect (35).
Option: --source-option annotator=exp1|exp2|avg picks the mask set (expert 1 by default).`,

  ignore: [{ pattern: /(^|\/)(Expert[12]|Average)_masks\//i, reason: 'masks of the annotators not chosen (--source-option annotator)' }],

  async scan({ rawRoot, options, files }) {
    const annotator = annotatorOf(options.annotator);
    const images = new Map<string, string>();
    const masks = new Map<string, string>();
    for (const f of files) {
      const s = stem(f);
      const mask = MASK.exec(s);
      if (mask && ext(f) === 'png') {
        if (mask[3].toLowerCase() === annotator) masks.set(`${mask[1].toUpperCase()}/${mask[2].toLowerCase()}`, f);
      } else if (ID.test(s) && ['jpg', 'jpeg', 'png'].includes(ext(f))) images.set(s.toUpperCase(), f);
    }
    const jobs: Job2D[] = [];
    const problems: Problem[] = [];
    const perClass = new Map<string, number>();
    for (const [id, image] of [...images].sort()) {
      const rel = path.relative(rawRoot, image);
      const [, cls, number, eye] = ID.exec(id)!;
      const targets: MaskTarget[] = [];
      for (const structure of ['disc', 'cup'] as const) {
        const mask = masks.get(`${id}/${structure}`);
        if (mask) targets.push({ task: TASKS[structure], mask: { kind: 'luma-above', files: [path.relative(rawRoot, mask)], above: 127 } });
        else
          problems.push({
            file: rel,
            reason: `no ${structure} mask of annotator ${annotator} (expected ${id}-...-${structure === 'disc' ? 'Disc' : 'Cup'}-${annotator === 'avg' ? 'Avg' : annotator}.png)`,
          });
      }
      if (targets.length === 0) continue;
      const className = CLASSES[cls.toLowerCase()];
      perClass.set(className, (perClass.get(className) ?? 0) + 1);
      jobs.push({
        kind: '2d',
        source: 'RIM-ONE_r3',
        name: `rimone_${cls.toLowerCase()}_${number}_${eye.toLowerCase()}`,
        // Both eyes of one <class>-<number> are taken as one patient, so they share a split.
        group: `${cls.toUpperCase()}-${number}`,
        image: rel,
        crop: 'left-half',
        targets,
        meta: { rimOneId: id, class: className, eye: eye.toUpperCase(), annotator },
      });
    }
    const used = new Set(images.keys());
    for (const [key, mask] of masks)
      if (!used.has(key.slice(0, key.indexOf('/'))))
        problems.push({ file: path.relative(rawRoot, mask), reason: 'mask without its stereo image' });
    const notes = [
      `${jobs.length} stereo images (${[...perClass].map(([c, n]) => `${c} ${n}`).join(', ')}); left half kept`,
      `annotator: ${annotator} (${ANNOTATORS[annotator]})`,
    ];
    return { jobs, problems, notes };
  },
};

export default rimOne;
