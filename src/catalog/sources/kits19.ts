// KiTS19: 210 labelled CT volumes from the kits19 repository (slices on axis 0), label 1 kidney, 2 tumour.
import path from 'node:path';
import type { FetchArchive, CtWindow, JobVolume, Problem, SourceAdapter } from '../types.js';
import { volumeTargets } from '../volume-targets.js';

const SOFT_TISSUE: CtWindow = { level: 40, width: 400 };

const kits19: SourceAdapter = {
  id: 'KiTS19',
  name: 'KiTS19 (Kidney Tumor Segmentation Challenge 2019)',
  order: 14,
  link: 'https://kits19.grand-challenge.org/',
  license: {
    text: 'CC BY-NC-SA 4.0',
    spdx: 'CC-BY-NC-SA-4.0',
    commercial: 'no',
    attribution: 'Heller, Weight, Papanikolopoulos et al., University of Minnesota (license: data/LICENSE of the kits19 repository)',
  },
  access: 'open download',
  modality: 'CT (contrast-enhanced abdomen)',
  modalityCode: 'CT',
  anatomy: 'kidneys',
  dimension: '3d',
  jobKind: 'volume',
  tasks: [
    {
      id: 'Kidney_CT_34',
      structure: 'kidney (including its tumour)',
      labels: [1, 2],
      rule: 'label value 1 or 2 (kidney including its tumour; KiTS19 labels cysts as kidney)',
      window: SOFT_TISSUE,
    },
    {
      id: 'KidneyTumor_CT_35',
      structure: 'kidney tumour',
      labels: [2],
      rule: 'label value 2 (tumour)',
      window: SOFT_TISSUE,
    },
  ],
  citations: [
    {
      key: 'heller2021kits19',
      bibtex: `@article{heller2021kits19,
  author  = {Heller, Nicholas and Isensee, Fabian and Maier-Hein, Klaus H. and Hou, Xiaoshuai and Xie, Chunmei and Li, Fengyi and Nan, Yang and Mu, Guangrui and Lin, Zhiyong and Han, Miofei and Yao, Guang and Gao, Yaozong and Zhang, Yao and Wang, Yixin and Hou, Feng and Yang, Jiawei and Xiong, Guangwei and Tian, Jiang and Zhong, Cheng and Ma, Jun and Rickman, Jack and Dean, Joshua and Stai, Bethany and Tejpaul, Resha and Oestreich, Makinna and Blake, Paul and Kaluzniak, Heather and Raza, Shaneabbas and Rosenberg, Joel and Moore, Keenan and Walczak, Edward and Rengel, Zachary and Edgerton, Zach and Vasdev, Ranveer and Peterson, Matthew and McSweeney, Sean and Peterson, Sarah and Kalapara, Arveen and Sathianathen, Niranjan and Papanikolopoulos, Nikolaos and Weight, Christopher},
  title   = {The state of the art in kidney and kidney tumor segmentation in contrast-enhanced {CT} imaging: Results of the {KiTS19} challenge},
  journal = {Medical Image Analysis},
  volume  = {67},
  pages   = {101821},
  year    = {2021},
  doi     = {10.1016/j.media.2020.101821}
}`,
    },
    {
      key: 'heller2019kits19data',
      bibtex: `@misc{heller2019kits19data,
  author        = {Heller, Nicholas and Sathianathen, Niranjan and Kalapara, Arveen and Walczak, Edward and Moore, Keenan and Kaluzniak, Heather and Rosenberg, Joel and Blake, Paul and Rengel, Zachary and Oestreich, Makinna and Dean, Joshua and Tradewell, Michael and Shah, Aneri and Tejpaul, Resha and Edgerton, Zachary and Peterson, Matthew and Raza, Shaneabbas and Regmi, Subodh and Papanikolopoulos, Nikolaos and Weight, Christopher},
  title         = {The {KiTS19} Challenge Data: 300 Kidney Tumor Cases with Clinical Context, {CT} Semantic Segmentations, and Surgical Outcomes},
  year          = {2019},
  eprint        = {1904.00445},
  archivePrefix = {arXiv}
}`,
    },
  ],
  download: [
    'Clone the official repository (linked from https://kits19.grand-challenge.org/; no account): git clone https://github.com/neheller/kits19 <raw>/KiTS19. The segmentations ship inside it.',
    'In <raw>/KiTS19/, install its Python requirements and run python -m starter_code.get_imaging: it fetches every case_XXXXX/imaging.nii.gz (now from Hugging Face).',
    'Stay on the default branch (not "interpolated") and note the git commit you converted: labels and affines were revised after the release.',
    'Do not use KiTS21 or KiTS23 data here: they reuse the case ids with different labels.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'kits19-456b2934.zip',
            from: { kind: 'url', url: 'https://github.com/neheller/kits19/archive/456b293435b25303bbc7995f094f83a0afdff0eb.zip' },
            origin: 'GitHub archive of neheller/kits19 at commit 456b293435b25303bbc7995f094f83a0afdff0eb, the commit SOURCES.md read',
            checksums: [],
            format: 'zip',
            into: '',
          },
          ...Array.from({ length: 210 }, (_, i): FetchArchive => {
            const name = `case_${String(i).padStart(5, '0')}`;
            return {
              name: `${name}.nii.gz`,
              from: {
                kind: 'url',
                url: `https://huggingface.co/datasets/neheller/KiTS-Challenge-Imaging/resolve/main/images/${name}.nii.gz`,
              },
              origin:
                'Hugging Face dataset neheller/KiTS-Challenge-Imaging, images/case_XXXXX.nii.gz, as kits19 starter_code/get_imaging.py downloads it (ACQUISITION.md)',
              checksums: [],
              format: 'file',
              into: `imaging/${name}/imaging.nii.gz`,
            };
          }),
        ],
        note: 'labels from the repository at a pinned commit, imaging of the 210 labelled cases one file each; no hashes are published, so the first verified downloads are pinned in the lock',
      },
    ],
    manual: {
      reason: 'only if GitHub or Hugging Face is unreachable',
      steps: [
        'Follow the download steps (git clone, then python -m starter_code.get_imaging), or',
        'Put kits19-456b2934.zip and case_XXXXX.nii.gz in <raw>/.downloads/KiTS19/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `KiTS19/
  data/                                     (a kits19/ wrapper from a plain git clone is fine)
    case_00000/
      imaging.nii.gz                        (fetched by starter_code.get_imaging)
      segmentation.nii.gz                   (in the repository; slices on axis 0)
    ... case_00209/
    case_00210/ ... case_00299/             (imaging only, no labels; ignored)
    kits.json                               (clinical metadata; not needed)
  starter_code/, README.md ...              (rest of the repository; ignored)
Labels: 0 background, 1 kidney, 2 tumour.`,

  ignore: [
    { pattern: /(^|\/)case_\d{5}\/imaging\.nii(\.gz)?$/i, reason: 'imaging of a case without a published segmentation (cases 210-299)' },
    { pattern: /(^|\/)kits\.json$/i, reason: 'kits.json: clinical metadata' },
  ],

  async scan({ rawRoot, options, files }) {
    const byCase = new Map<string, { imaging?: string; segmentation?: string }>();
    for (const file of files) {
      const m = /^(imaging|segmentation)\.nii(\.gz)?$/i.exec(path.basename(file));
      const dir = path.basename(path.dirname(file));
      if (!m || !/^case_\d{5}$/i.test(dir)) continue;
      const entry = byCase.get(dir.toLowerCase()) ?? {};
      entry[m[1].toLowerCase() as 'imaging' | 'segmentation'] = file;
      byCase.set(dir.toLowerCase(), entry);
    }
    const targets = volumeTargets(kits19.tasks, options);
    const jobs: JobVolume[] = [];
    const problems: Problem[] = [];
    let unlabelled = 0;
    for (const [id, { imaging, segmentation }] of [...byCase].sort()) {
      if (!segmentation) {
        unlabelled++;
        continue;
      }
      if (!imaging) {
        problems.push({
          file: path.relative(rawRoot, segmentation),
          reason: 'imaging.nii.gz missing beside it (run python -m starter_code.get_imaging)',
        });
        continue;
      }
      jobs.push({
        kind: 'volume',
        source: 'KiTS19',
        name: `kits19_${id}`,
        group: id,
        image: path.relative(rawRoot, imaging),
        label: path.relative(rawRoot, segmentation),
        // Slices sit on axis 0 in KiTS19; the affine says so and the axial reorientation follows it.
        slicing: 'axial',
        targets,
        meta: {},
      });
    }
    const notes = [`${jobs.length} labelled cases`];
    if (unlabelled) notes.push(`${unlabelled} test cases without segmentation ignored`);
    return { jobs, problems, notes };
  },
};

export default kits19;
