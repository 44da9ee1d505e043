// MSD Task06 Lung: 63 labelled chest CT volumes with the lung tumour as label 1.
import path from 'node:path';
import type { JobVolume, Problem, SourceAdapter } from '../types.js';
import { volumeTargets } from '../volume-targets.js';

const msdLung: SourceAdapter = {
  id: 'MSD_Lung',
  name: 'MSD Task06 Lung (Medical Segmentation Decathlon)',
  order: 16,
  link: 'http://medicaldecathlon.com/',
  license: {
    text: 'CC-BY-SA 4.0',
    spdx: 'CC-BY-SA-4.0',
    commercial: 'yes',
    attribution: 'Antonelli, Simpson, Cardoso et al., Medical Segmentation Decathlon (lung task: non-small-cell lung cancer patients)',
  },
  access: 'open download',
  modality: 'CT (thin-section chest)',
  modalityCode: 'CT',
  anatomy: 'lung',
  dimension: '3d',
  jobKind: 'volume',
  tasks: [
    {
      id: 'LungTumor_CT_64',
      structure: 'lung tumour (non-small-cell lung cancer)',
      labels: [1],
      rule: 'label value 1 ("cancer")',
      window: { level: -600, width: 1500 },
    },
  ],
  citations: [
    {
      key: 'antonelli2022msd',
      bibtex: `@article{antonelli2022msd,
  author  = {Antonelli, Michela and Reinke, Annika and Bakas, Spyridon and Farahani, Keyvan and Kopp-Schneider, Annette and Landman, Bennett A. and Litjens, Geert and Menze, Bjoern and Ronneberger, Olaf and Summers, Ronald M. and others},
  title   = {The Medical Segmentation Decathlon},
  journal = {Nature Communications},
  volume  = {13},
  number  = {1},
  pages   = {4128},
  year    = {2022},
  doi     = {10.1038/s41467-022-30695-9}
}`,
    },
    {
      key: 'simpson2019msd',
      bibtex: `@misc{simpson2019msd,
  author        = {Simpson, Amber L. and Antonelli, Michela and Bakas, Spyridon and Bilello, Michel and Farahani, Keyvan and van Ginneken, Bram and Kopp-Schneider, Annette and Landman, Bennett A. and Litjens, Geert and Menze, Bjoern and Ronneberger, Olaf and Summers, Ronald M. and Bilic, Patrick and Christ, Patrick F. and Do, Richard K. G. and Gollub, Marc and Golia-Pernicka, Jennifer and Heckers, Stephan H. and Jarnagin, William R. and McHugo, Maureen K. and Napel, Sandy and Vorontsov, Eugene and Maier-Hein, Lena and Cardoso, M. Jorge},
  title         = {A large annotated medical image dataset for the development and evaluation of segmentation algorithms},
  year          = {2019},
  eprint        = {1902.09063},
  archivePrefix = {arXiv}
}`,
    },
  ],
  download: [
    'Download Task06_Lung.tar from http://medicaldecathlon.com/ (its Google Drive or AWS links; no account needed).',
    'Extract it into <raw>/MSD_Lung/ keeping its folder, so that <raw>/MSD_Lung/Task06_Lung/ exists.',
    'The hidden ._lung_*.nii.gz files in the archive are macOS debris and are ignored.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'Task06_Lung.tar',
            from: { kind: 'url', url: 'https://msd-for-monai.s3-us-west-2.amazonaws.com/Task06_Lung.tar' },
            origin: 'MONAI apps/datasets.py (ACQUISITION.md)',
            checksums: [
              { algorithm: 'md5', value: '8afd997733c7fc0432f71255ba4e52dc', origin: 'MONAI apps/datasets.py' },
              { algorithm: 'sha256', value: 'f782cd09da9cf7a3128475d4a53650d371db10f0427aa76e166fccfcb2654161', origin: 'torch-em msd.py' },
            ],
            format: 'tar',
            into: '',
          },
        ],
      },
    ],
    manual: {
      reason: 'only if the MONAI bucket is unreachable',
      steps: [
        'Download Task06_Lung.tar from http://medicaldecathlon.com/.',
        'Put it in <raw>/.downloads/MSD_Lung/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `MSD_Lung/
  Task06_Lung/                              (wrapper folders are fine)
    dataset.json
    imagesTr/   lung_001.nii.gz, lung_003.nii.gz ...   (63 cases; ids are not contiguous)
    labelsTr/   lung_001.nii.gz ...                    (same names; 0 background, 1 tumour)
    imagesTs/   lung_002.nii.gz ...                    (32 cases without labels; ignored)
    ._*                                                (AppleDouble debris; ignored)`,

  ignore: [
    { pattern: /(^|\/)imagesTs\//i, reason: 'imagesTs: test scans without published labels' },
    { pattern: /(^|\/)dataset\.json$/i, reason: "dataset.json: the release's description (labels and parts are known)" },
  ],

  async scan({ rawRoot, options, files }) {
    // The walk counts the AppleDouble `._lung_*.nii.gz` debris of the tar as ignored; it never reaches the scan.
    const names = new Set(files);
    const targets = volumeTargets(msdLung.tasks, options);
    const jobs: JobVolume[] = [];
    const problems: Problem[] = [];
    for (const file of files) {
      const m = /^(lung_\d{3})\.nii(\.gz)?$/i.exec(path.basename(file));
      if (!m || path.basename(path.dirname(file)) !== 'imagesTr') continue;
      const label = path.join(path.dirname(path.dirname(file)), 'labelsTr', path.basename(file));
      if (!names.has(label)) {
        problems.push({ file: path.relative(rawRoot, file), reason: `no label ${path.relative(rawRoot, label)}` });
        continue;
      }
      jobs.push({
        kind: 'volume',
        source: 'MSD_Lung',
        name: `msd_lung_${m[1].toLowerCase()}`,
        group: m[1].toLowerCase(),
        image: path.relative(rawRoot, file),
        label: path.relative(rawRoot, label),
        slicing: 'axial',
        targets,
        meta: {},
      });
    }
    return { jobs, problems, notes: [`${jobs.length} labelled CT volumes (imagesTs has no labels and is ignored)`] };
  },
};

export default msdLung;
