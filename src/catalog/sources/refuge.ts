// REFUGE (2018): fundus JPEGs with one grey BMP per image holding disc (128) and cup (0); official 400/400/400.
import type { SourceAdapter } from '../types.js';

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
  tasks: [
    {
      id: 'OpticDisc_OC_1',
      structure: 'optic disc (including the cup)',
      labels: [0, 128],
      rule: 'grey value below 192 (rim 128 and cup 0; thresholds survive anti-aliasing)',
    },
    {
      id: 'OpticCup_OC_2',
      structure: 'optic cup',
      labels: [0],
      rule: 'grey value below 64 (cup 0)',
    },
  ],
  citation: {
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
  download: [
    'Create a grand-challenge.org account and join the REFUGE challenge at https://refuge.grand-challenge.org/ to reach its download page.',
    'Download REFUGE2.zip: it holds the six REFUGE 2018 archives REFUGE-Training400.zip, Annotation-Training400.zip, REFUGE-Validation400.zip, REFUGE-Validation400-GT.zip, REFUGE-Test400.zip and REFUGE-Test-GT.zip.',
    'Unzip it into <raw>/REFUGE/, then unzip each inner archive where it lies, keeping its folders (extra wrapper folders and __MACOSX/ are fine).',
    'Alternatively unpack the Kaggle mirror victorlemosml/refuge2 (free Kaggle account) into <raw>/REFUGE/: despite its name, its REFUGE2/{train,val,test} folders hold the 2018 data.',
  ],
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
};

export default refuge;
