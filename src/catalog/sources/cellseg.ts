// NeurIPS-22 CellSeg: multi-modality microscopy images with TIFF instance maps, binarised (> 0).
import type { SourceAdapter } from '../types.js';

const cellseg: SourceAdapter = {
  id: 'CellSeg',
  name: 'NeurIPS-22 CellSeg',
  order: 8,
  link: 'https://www.nature.com/articles/s41592-024-02233-6',
  license: {
    text: 'Research use license',
    commercial: 'no',
    attribution:
      'Ma, Xie, Wang et al., organisers of the NeurIPS 2022 Cell Segmentation Challenge (the Zenodo data are CC BY-NC-ND 4.0: no commercial use, and converted copies may not be shareable)',
  },
  access: 'open download',
  modality: 'microscopy (brightfield, fluorescence, phase contrast, differential interference contrast)',
  modalityCode: 'MI',
  anatomy: 'cells',
  dimension: '2d',
  tasks: [
    {
      id: 'Cell_MI_11',
      structure: 'cells',
      labels: [],
      rule: 'instance label > 0 (every cell becomes foreground; touching cells merge)',
    },
  ],
  citation: {
    key: 'ma2024cellseg',
    bibtex: `@article{ma2024cellseg,
  author  = {Ma, Jun and Xie, Ronald and Ayyadhury, Shamini and Ge, Cheng and Gupta, Anubha and Gupta, Ritu and Gu, Song and Zhang, Yao and Lee, Gihun and Kim, Joonkee and Lou, Wei and Li, Haofeng and Upschulte, Eric and Dickscheid, Timo and de Almeida, Jos{\\'e} Guilherme and Wang, Yixin and Han, Lin and Yang, Xin and Labagnara, Marco and Gligorovski, Vojislav and Scheder, Maxime and Rahi, Sahand Jamal and Kempster, Carly and Pollitt, Alice and Espinosa, Leon and Mignot, T{\\^a}m and Middeke, Jan Moritz and Eckardt, Jan-Niklas and Li, Wangkai and Li, Zhaoyang and Cai, Xiaochen and Bai, Bizhe and Greenwald, Noah F. and Van Valen, David and Weisbart, Erin and Cimini, Beth A. and Cheung, Trevor and Br{\\"u}ck, Oscar and Bader, Gary D. and Wang, Bo},
  title   = {The multimodality cell segmentation challenge: toward universal solutions},
  journal = {Nature Methods},
  volume  = {21},
  number  = {6},
  pages   = {1103--1113},
  year    = {2024},
  doi     = {10.1038/s41592-024-02233-6}
}`,
  },
  download: [
    'Open Zenodo record 10719375 (https://zenodo.org/records/10719375, the data release of the Nature Methods article); no account is needed.',
    'Download Training-labeled.zip, Tuning.zip and Testing.zip; the unlabelled train-unlabeled-part1/part2 archives are not used.',
    'Unzip them into <raw>/CellSeg/ keeping their folders: Training-labeled/, Tuning/ and Testing/Public/.',
  ],
  layout: `CellSeg/
  Training-labeled/                 (official train; a wrapper folder above it is fine)
    images/   cell_00001.png|.tif|.tiff|.bmp|.jpg ...   (grey, RGB or more channels; 8 or 16 bit)
    labels/   cell_00001_label.tiff ...                  (instance maps: 0 background, 1..N cells)
  Tuning/                           (official validation)
    images/   labels/
  Testing/
    Public/                         (official test, labelled)
      images/   labels/
    Hidden/                         (no public labels; ignored)
  release-part1/, WSI folders       (unlabelled archives; ignored)`,
};

export default cellseg;
