// CAMUS: 2D apical echocardiograms (2CH/4CH, ED/ES) labelled LV 1, myocardium 2, left atrium 3; official split files.
import type { SourceAdapter } from '../types.js';

const camus: SourceAdapter = {
  id: 'CAMUS',
  name: 'CAMUS (Cardiac Acquisitions for Multi-structure Ultrasound Segmentation)',
  order: 11,
  link: 'https://www.creatis.insa-lyon.fr/Challenge/camus/index.html',
  license: {
    text: 'CC BY-NC-SA 4.0',
    spdx: 'CC-BY-NC-SA-4.0',
    commercial: 'no',
    attribution: 'Leclerc, Bernard et al., CREATIS (Lyon), with echocardiograms from the University Hospital of Saint-Etienne',
  },
  access: 'open download',
  modality: 'echocardiography (2D apical two- and four-chamber views)',
  modalityCode: 'EC',
  anatomy: 'heart',
  dimension: '2d',
  tasks: [
    {
      id: 'LeftVentricle_EC_16',
      structure: 'left ventricle cavity (inside the endocardium)',
      labels: [1],
      rule: 'label value 1 (left ventricle cavity)',
    },
    { id: 'Myocardium_EC_17', structure: 'left ventricle myocardium', labels: [2], rule: 'label value 2 (myocardium)' },
    { id: 'LeftAtrium_EC_18', structure: 'left atrium', labels: [3], rule: 'label value 3 (left atrium)' },
  ],
  citation: {
    key: 'leclerc2019camus',
    bibtex: `@article{leclerc2019camus,
  author  = {Leclerc, Sarah and Smistad, Erik and Pedrosa, Jo{\\~a}o and {\\O}stvik, Andreas and Cervenansky, Frederic and Espinosa, Florian and Espeland, Torvald and Berg, Erik Andreas Rye and Jodoin, Pierre-Marc and Grenier, Thomas and Lartizien, Carole and D'hooge, Jan and Lovstakken, Lasse and Bernard, Olivier},
  title   = {Deep Learning for Segmentation Using an Open Large-Scale Dataset in {2D} Echocardiography},
  journal = {IEEE Transactions on Medical Imaging},
  volume  = {38},
  number  = {9},
  pages   = {2198--2210},
  year    = {2019},
  doi     = {10.1109/TMI.2019.2900516}
}`,
  },
  download: [
    'Open the CAMUS collection on the CREATIS Human Heart database (linked from https://www.creatis.insa-lyon.fr/Challenge/camus/index.html) and download the CAMUS_public folder as one zip (the 2023 NIfTI release); no account was needed at the time of writing.',
    'Unzip it into <raw>/CAMUS/ keeping its folders: database_nifti/ and database_split/ (the split files give the official 400/50/50 patients).',
    'The 2019 MetaImage release (.mhd + .raw) is accepted as a fallback, but its folder names are unverified and it has no split files: prefer the NIfTI release.',
  ],
  layout: `CAMUS/
  CAMUS_public/                             (wrapper optional)
    database_nifti/
      patient0001/
        patient0001_2CH_ED.nii.gz   patient0001_2CH_ED_gt.nii.gz
        patient0001_2CH_ES.nii.gz   patient0001_2CH_ES_gt.nii.gz
        patient0001_4CH_ED.nii.gz   patient0001_4CH_ED_gt.nii.gz
        patient0001_4CH_ES.nii.gz   patient0001_4CH_ES_gt.nii.gz
        patient0001_{2CH,4CH}_half_sequence.nii.gz (+ _gt)
        Info_2CH.cfg, Info_4CH.cfg
      ... patient0500/
    database_split/
      subgroup_training.txt, subgroup_validation.txt, subgroup_testing.txt
or the 2019 release: training/patient0001..0450/ and testing/patient0451..0500/ with .mhd + .raw and _gt.mhd (names unverified)
Labels: 0 background, 1 left ventricle cavity, 2 myocardium, 3 left atrium.`,
};

export default camus;
