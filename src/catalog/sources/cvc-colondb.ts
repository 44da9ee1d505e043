// CVC-ColonDB: the 380-frame PNG version (images/, masks/) or the original 300-frame BMP release (N.bmp + pN.bmp).
import path from 'node:path';
import type { Job2D, Problem, SourceAdapter } from '../types.js';
import { ext, folders, stem } from '../files.js';

interface Version {
  label: string;
  images: Map<number, string>;
  masks: Map<number, string>;
}

const colondb: SourceAdapter = {
  id: 'CVC-ColonDB',
  name: 'CVC-ColonDB',
  order: 6,
  link: 'http://vi.cvc.uab.es/colon-qa/cvccolondb/',
  license: {
    text: 'Academic use license',
    commercial: 'unclear',
    attribution: 'Bernal, Sánchez, Vilariño and Sappa, Computer Vision Center, Universitat Autonoma de Barcelona',
  },
  access: 'registration',
  modality: 'colonoscopy',
  modalityCode: 'EN',
  anatomy: 'colon',
  dimension: '2d',
  jobKind: '2d',
  tasks: [
    {
      id: 'Polyp_EN_8',
      structure: 'polyp',
      labels: [255],
      rule: 'polyp mask luma above 127 (PNG masks, or the pN.bmp polyp masks of the original release)',
    },
  ],
  citations: [
    {
      key: 'bernal2012colondb',
      bibtex: `@article{bernal2012colondb,
  author  = {Bernal, Jorge and S{\\'a}nchez, Javier and Vilari{\\~n}o, Fernando},
  title   = {Towards automatic polyp detection with a polyp appearance model},
  journal = {Pattern Recognition},
  volume  = {45},
  number  = {9},
  pages   = {3166--3182},
  year    = {2012},
  doi     = {10.1016/j.patcog.2012.03.002}
}`,
    },
  ],
  download: [
    'Get the 380-frame version used by PraNet (TestDataset/CVC-ColonDB) or its Kaggle copy "cvc-colondb" (free account), or request the original 300-frame release at http://vi.cvc.uab.es/colon-qa/cvccolondb/.',
    'Unzip it into <raw>/CVC-ColonDB/ keeping its folders (images/ and masks/, or the BMP files).',
  ],
  fetch: {
    routes: [],
    manual: {
      reason: 'the original release is behind a request form and the 380-frame copies have no fixed URL or file name',
      steps: [
        'Get the 380-frame version (PraNet TestDataset/CVC-ColonDB, or the Kaggle copy "cvc-colondb") or request the original at http://vi.cvc.uab.es/colon-qa/cvccolondb/.',
        'Put the archive (any name) in <raw>/.downloads/CVC-ColonDB/ and rerun medbank fetch: it is unpacked, and its sha256 pinned in the lock.',
      ],
    },
    anyArchive: true,
  },
  layout: `CVC-ColonDB/
  images/1.png ... 380.png      masks/1.png ... 380.png     (380-frame version; preferred when both exist)
or the original release:
  1.bmp ... 300.bmp             p1.bmp ... p300.bmp          (sN.bmp and cN.bmp are ignored)`,

  ignore: [
    { pattern: /(^|\/)[cs]\d+\.bmp$/i, reason: 'contour (cN.bmp) and non-informative-region (sN.bmp) masks of the original release' },
    { pattern: /(^|\/)p?\d+\.bmp$/i, reason: 'the 300-frame BMP release, when the 380-frame PNG version is used' },
  ],

  async scan({ sourceDir, rawRoot, files }) {
    const png: Version = { label: '380-frame PNG', images: new Map(), masks: new Map() };
    const bmp: Version = { label: '300-frame BMP', images: new Map(), masks: new Map() };
    for (const f of files) {
      const s = stem(f);
      if (ext(f) === 'png' && /^\d+$/.test(s)) {
        const dir = folders(sourceDir, f).at(-1);
        if (dir === 'images') png.images.set(Number(s), f);
        else if (dir === 'masks') png.masks.set(Number(s), f);
      } else if (ext(f) === 'bmp') {
        if (/^\d+$/.test(s)) bmp.images.set(Number(s), f);
        else if (/^p\d+$/i.test(s)) bmp.masks.set(Number(s.slice(1)), f);
      }
    }
    const version = png.images.size ? png : bmp;
    const notes = [`${version.images.size} frames (${version.label} version)`];
    if (version === png && bmp.images.size) notes.push(`the ${bmp.label} files are ignored`);
    notes.push('no frame-to-sequence mapping is published: consecutive similar frames are grouped into sequences at split time');

    const jobs: Job2D[] = [];
    const problems: Problem[] = [];
    for (const [frame, image] of [...version.images].sort(([a], [b]) => a - b)) {
      const rel = path.relative(rawRoot, image);
      const mask = version.masks.get(frame);
      if (!mask) {
        problems.push({ file: rel, reason: version === png ? 'no mask with the same number in masks/' : `no polyp mask p${frame}.bmp` });
        continue;
      }
      const name = `cvccolondb_${String(frame).padStart(4, '0')}`;
      jobs.push({
        kind: '2d',
        source: 'CVC-ColonDB',
        name,
        group: name,
        videoFrame: frame,
        image: rel,
        targets: [{ task: 'Polyp_EN_8', mask: { kind: 'luma-above', files: [path.relative(rawRoot, mask)], above: 127 } }],
        meta: { frame, version: version === png ? 'png380' : 'bmp300' },
      });
    }
    for (const [frame, mask] of version.masks)
      if (!version.images.has(frame)) problems.push({ file: path.relative(rawRoot, mask), reason: 'mask without its frame' });
    return { jobs, problems, notes };
  },
};

export default colondb;
