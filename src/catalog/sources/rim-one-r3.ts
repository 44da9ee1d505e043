// RIM-ONE r3: 159 stereo fundus JPEGs (left half annotated) with binary disc and cup PNGs per expert.
import type { SourceAdapter } from '../types.js';

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
  tasks: [
    {
      id: 'OpticDisc_OC_3',
      structure: 'optic disc',
      labels: [],
      rule: 'non-zero pixel of the disc mask of the chosen annotator (expert 1 by default), on the annotated left half of the stereo pair',
    },
    {
      id: 'OpticCup_OC_4',
      structure: 'optic cup',
      labels: [],
      rule: 'non-zero pixel of the cup mask of the chosen annotator (expert 1 by default), on the annotated left half of the stereo pair',
    },
  ],
  citation: {
    key: 'fumero2015rimone',
    bibtex: `@inproceedings{fumero2015rimone,
  author    = {Fumero, Francisco and Sigut, Jose and Alay{\\'o}n, Silvia and Gonz{\\'a}lez-Hern{\\'a}ndez, M. and Gonz{\\'a}lez de la Rosa, M.},
  title     = {Interactive tool and database for optic disc and cup segmentation of stereo and monocular retinal fundus images},
  booktitle = {WSCG 2015: 23rd International Conference in Central Europe on Computer Graphics, Visualization and Computer Vision, Short Papers Proceedings},
  month     = jun,
  year      = {2015}
}`,
  },
  download: [
    'Download the RIM-ONE release 3 zip from the University of La Laguna MIAG site (http://medimrg.webs.ull.es/research/retinal-imaging/rim-one/, as referenced by the bob.db.rimoner3 docs); no account is needed, but the host is often offline, so keep a copy.',
    'Take release 3 (159 stereo images), not RIM-ONE DL (2020, 485 images) nor the earlier releases.',
    'Unzip it into <raw>/RIM-ONE_r3/ keeping its folders, spaces included ("Healthy", "Glaucoma and suspects").',
  ],
  layout: `RIM-ONE_r3/
  Healthy/                          (a wrapper folder above it is fine)
    Stereo Images/    N-1-L.jpg ... (2144x1424 stereo pairs; only the left 1072 px are annotated)
    Expert1_masks/    N-10-R-1-Disc-exp1.png, N-10-R-1-Cup-exp1.png ...
    Expert2_masks/    ...-Disc-exp2.png, ...-Cup-exp2.png
    Average_masks/    N-10-R-Disc-Avg.png, N-10-R-Cup-Avg.png ...
  Glaucoma and suspects/
    (the same four folders; ids G-<n>-<eye> and S-<n>-<eye>)
  Scripts/                          (Matlab, ignored)
Ids are <class>-<number>-<eye>: N healthy (85), G glaucoma (39), S suspect (35).`,
};

export default rimOne;
