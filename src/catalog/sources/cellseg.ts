// NeurIPS-22 CellSeg: multi-modality microscopy images with TIFF instance maps, binarised (> 0).
import path from 'node:path';
import type { Job2D, Problem, SourceAdapter, Split } from '../types.js';
import { folders, isImageFile, sanitize, stem } from '../files.js';

const LABEL = /^(.+)_label$/i;

/** Official split from the release folders; Testing/Hidden and the unlabelled archives have no labels to use. */
function splitOf(dirs: string[]): Split | 'unlabelled' | undefined {
  if (dirs.some((d) => d === 'hidden' || d.includes('unlabel') || d.startsWith('release-part'))) return 'unlabelled';
  if (dirs.some((d) => d.startsWith('tuning'))) return 'val';
  if (dirs.some((d) => d.startsWith('testing') || d === 'public')) return 'test';
  if (dirs.some((d) => d.startsWith('training') || d.startsWith('train'))) return 'train';
  return undefined;
}

/** Output names carry the split: Tuning and Testing restart their numbering at cell_00001. */
const NAME_PART: Record<Split, string> = { train: 'train', val: 'tuning', test: 'test' };

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
  jobKind: '2d',
  tasks: [
    {
      id: 'Cell_MI_11',
      structure: 'cells',
      labels: [],
      rule: 'instance label > 0 in the 16- or 32-bit label TIFF (every cell becomes foreground; touching cells merge)',
    },
  ],
  citations: [
    {
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
  ],
  download: [
    'Open Zenodo record 10719375 (https://zenodo.org/records/10719375, the data release of the Nature Methods article); no account is needed.',
    'Download Training-labeled.zip, Tuning.zip and Testing.zip; the unlabelled train-unlabeled-part1/part2 archives are not used.',
    'Unzip them into <raw>/CellSeg/ keeping their folders: Training-labeled/, Tuning/ and Testing/Public/.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'Training-labeled.zip',
            from: { kind: 'url', url: 'https://zenodo.org/records/10719375/files/Training-labeled.zip' },
            origin: 'torch-em light_microscopy/neurips_cell_seg.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: 'b2383929eb8e99b2716fa0d4e2f6e03983e626a57cf00fe85175869c54aa3592',
                origin: 'torch-em light_microscopy/neurips_cell_seg.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'Tuning.zip',
            from: { kind: 'url', url: 'https://zenodo.org/records/10719375/files/Tuning.zip' },
            origin: 'torch-em light_microscopy/neurips_cell_seg.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: '849423d36bb8fcc2d91a5b189a3b6d93c3d4071c9701eaaa44ba393a510459c4',
                origin: 'torch-em light_microscopy/neurips_cell_seg.py',
              },
            ],
            format: 'zip',
            into: '',
          },
          {
            name: 'Testing.zip',
            from: { kind: 'url', url: 'https://zenodo.org/records/10719375/files/Testing.zip' },
            origin: 'torch-em light_microscopy/neurips_cell_seg.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: '3379730221f43830d30fddf131750e967c9c9bdf04f98811e852a050eb659ccc',
                origin: 'torch-em light_microscopy/neurips_cell_seg.py',
              },
            ],
            format: 'zip',
            into: '',
          },
        ],
        note: 'the unlabelled train-unlabeled-part1/part2 archives are not needed and not fetched',
      },
    ],
    manual: {
      reason: 'only if Zenodo is unreachable',
      steps: [
        'Download Training-labeled.zip, Tuning.zip and Testing.zip from https://zenodo.org/records/10719375.',
        'Put them in <raw>/.downloads/CellSeg/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
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
  release-part1/, train-unlabeled*/ (unlabelled archives; ignored)
Images are stretched per channel from their 1st-99th percentile to 8 bits (grey repeated to RGB,
channels past the third dropped). Images with a side above 8192 px (whole-slide) are shrunk by
libvips while decoding, before the percentile step.`,

  ignore: [
    {
      pattern: /(^|\/)(Testing\/Hidden|release-part[^/]*|[^/]*unlabel[^/]*)\//i,
      reason: 'images without labels (Testing/Hidden, the unlabelled archives)',
    },
  ],

  async scan({ sourceDir, rawRoot, files }) {
    const images = new Map<string, string>();
    const labels = new Map<string, string>();
    const problems: Problem[] = [];
    let unlabelled = 0;
    for (const f of files) {
      if (!isImageFile(f)) continue;
      const split = splitOf(folders(sourceDir, f));
      if (split === 'unlabelled') {
        unlabelled++;
        continue;
      }
      const label = LABEL.exec(stem(f));
      if (!split) {
        if (label)
          problems.push({
            file: path.relative(rawRoot, f),
            reason: 'label outside Training-labeled, Tuning and Testing/Public: split unknown',
          });
        continue;
      }
      if (label) labels.set(`${split}/${label[1]}`, f);
      else images.set(`${split}/${stem(f)}`, f);
    }
    const jobs: Job2D[] = [];
    const counts: Record<Split, number> = { train: 0, val: 0, test: 0 };
    for (const [key, label] of [...labels].sort()) {
      const image = images.get(key);
      if (!image) {
        problems.push({
          file: path.relative(rawRoot, label),
          reason: 'label without its image (expected <id>.png|.tif|.tiff|.bmp|.jpg beside it in images/)',
        });
        continue;
      }
      const split = key.slice(0, key.indexOf('/')) as Split;
      const id = stem(image);
      counts[split]++;
      const name = sanitize('cellseg', NAME_PART[split], id.replace(/^cell_/i, ''));
      jobs.push({
        kind: '2d',
        source: 'CellSeg',
        name,
        group: name,
        split,
        image: path.relative(rawRoot, image),
        transform: { kind: 'percentile', low: 1, high: 99 },
        targets: [{ task: 'Cell_MI_11', mask: { kind: 'labels', file: path.relative(rawRoot, label), values: [] } }],
        meta: { cellId: id },
      });
    }
    const notes = [`official split: train ${counts.train}, val (Tuning) ${counts.val}, test (Testing/Public) ${counts.test}`];
    const unpaired = [...images.keys()].filter((k) => !labels.has(k)).length;
    if (unpaired) notes.push(`${unpaired} images without a label are ignored`);
    if (unlabelled) notes.push(`${unlabelled} files of unlabelled archives or Testing/Hidden are ignored`);
    return { jobs, problems, notes };
  },
};

export default cellseg;
