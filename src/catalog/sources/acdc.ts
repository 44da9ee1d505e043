// ACDC: cine-MRI short-axis NIfTI volumes (ED and ES frames) labelled RV 1, myocardium 2, LV 3.
import path from 'node:path';
import type { JobVolume, ScanContext, SourceAdapter } from '../types.js';
import { folders, sanitize } from '../files.js';
import { volumeTargets } from '../volume-targets.js';

const FRAME = /^(patient\d{3})_frame(\d{2})\.nii(\.gz)?$/i;

/** ED and ES frame numbers from a patient's Info.cfg (`ED: 1`, `ES: 12`). */
async function phases(dir: string, readText: ScanContext['readText']): Promise<Map<number, string>> {
  const text = await readText(path.join(dir, 'Info.cfg')).catch(() => '');
  const out = new Map<number, string>();
  for (const m of text.matchAll(/^\s*(ED|ES)\s*:\s*(\d+)/gim)) out.set(Number(m[2]), m[1].toUpperCase());
  return out;
}

const acdc: SourceAdapter = {
  id: 'ACDC',
  name: 'ACDC (Automated Cardiac Diagnosis Challenge)',
  order: 10,
  link: 'https://www.creatis.insa-lyon.fr/Challenge/acdc/',
  license: {
    text: 'CC BY-NC-SA 4.0',
    spdx: 'CC-BY-NC-SA-4.0',
    commercial: 'no',
    attribution: 'Bernard, Lalande, Jodoin et al., CREATIS (Lyon) and University Hospital of Dijon (MICCAI 2017 ACDC challenge)',
  },
  access: 'open download',
  modality: 'cine MRI (short axis)',
  modalityCode: 'MR',
  anatomy: 'heart',
  dimension: '3d',
  jobKind: 'volume',
  tasks: [
    { id: 'RightVentricle_MR_13', structure: 'right ventricle cavity', labels: [1], rule: 'label value 1 (right ventricle cavity)' },
    { id: 'Myocardium_MR_14', structure: 'left ventricle myocardium', labels: [2], rule: 'label value 2 (myocardium)' },
    { id: 'LeftVentricle_MR_15', structure: 'left ventricle cavity', labels: [3], rule: 'label value 3 (left ventricle cavity)' },
  ],
  citations: [
    {
      key: 'bernard2018acdc',
      bibtex: `@article{bernard2018acdc,
  author  = {Bernard, O. and Lalande, A. and Zotti, C. and Cervenansky, F. and Yang, X. and Heng, P.-A. and Cetin, I. and Lekadir, K. and Camara, O. and Gonzalez Ballester, M. A. and Sanroma, G. and Napel, S. and Petersen, S. and Tziritas, G. and Grinias, E. and Khened, M. and Kollerathu, V. A. and Krishnamurthi, G. and Roh{\\'e}, M.-M. and Pennec, X. and Sermesant, M. and Isensee, F. and J{\\"a}ger, P. and Maier-Hein, K. H. and Full, P. M. and Wolf, I. and Engelhardt, S. and Baumgartner, C. F. and Koch, L. M. and Wolterink, J. M. and I{\\v{s}}gum, I. and Jang, Y. and Hong, Y. and Patravali, J. and Jain, S. and Humbert, O. and Jodoin, P.-M.},
  title   = {Deep Learning Techniques for Automatic {MRI} Cardiac Multi-Structures Segmentation and Diagnosis: Is the Problem Solved?},
  journal = {IEEE Transactions on Medical Imaging},
  volume  = {37},
  number  = {11},
  pages   = {2514--2525},
  year    = {2018},
  doi     = {10.1109/TMI.2018.2837502}
}`,
    },
  ],
  download: [
    'Open the ACDC collection on the CREATIS Human Heart database (https://humanheart-project.creatis.insa-lyon.fr/database/#collection/637218c173e9f0047faa00fb, linked from https://www.creatis.insa-lyon.fr/Challenge/acdc/) and download the whole collection as one zip; no account was needed at the time of writing.',
    'Unzip it into <raw>/ACDC/ keeping its folders (database/training/patient001..100 and database/testing/patient101..150).',
    'The 2017 challenge download (training/ and testing/testing/ without database/) is accepted too; its test folders may lack the _gt files.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'ACDC.zip',
            from: {
              kind: 'url',
              url: 'https://humanheart-project.creatis.insa-lyon.fr/database/api/v1/collection/637218c173e9f0047faa00fb/download',
            },
            origin: 'torch-em acdc.py (ACQUISITION.md)',
            checksums: [
              {
                algorithm: 'sha256',
                value: '2787e08b0d3525cbac710fc3bdf69ee7c5fd7446472e49db8bc78548802f6b5e',
                origin: 'torch-em acdc.py',
              },
            ],
            format: 'zip',
            into: '',
          },
        ],
      },
    ],
    manual: {
      reason: 'only if the CREATIS server is unreachable',
      steps: [
        'Download the ACDC collection as one zip (see the download steps).',
        'Put it as ACDC.zip in <raw>/.downloads/ACDC/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `ACDC/
  database/                                 (wrappers such as ACDC/ above it are fine)
    training/
      patient001/
        patient001_frame01.nii.gz     patient001_frame01_gt.nii.gz     (ED)
        patient001_frame12.nii.gz     patient001_frame12_gt.nii.gz     (ES; frame numbers differ per patient)
        patient001_4d.nii.gz, Info.cfg, MANDATORY_CITATION.md          (ignored)
      ... patient100/
    testing/
      patient101/ ... patient150/           (same files; the current release includes _gt)
or the 2017 challenge download: training/patientNNN/ and testing/testing/patientNNN/
Labels: 0 background, 1 right ventricle cavity, 2 myocardium, 3 left ventricle cavity.`,

  ignore: [{ pattern: /_4d\.nii(\.gz)?$/i, reason: '4D cine volumes (the labelled ED and ES frames are used)' }],

  async scan({ sourceDir, rawRoot, options, files, readText }) {
    const names = new Set(files);
    const targets = volumeTargets(acdc.tasks, options);
    const jobs: JobVolume[] = [];
    const unlabelled: string[] = [];
    const patients = new Set<string>();
    const phaseCache = new Map<string, Map<number, string>>();
    for (const file of files) {
      const m = FRAME.exec(path.basename(file));
      if (!m) continue;
      const label = file.replace(/\.nii(\.gz)?$/i, (ext) => `_gt${ext}`);
      if (!names.has(label)) {
        unlabelled.push(path.relative(rawRoot, file));
        continue;
      }
      const patient = m[1].toLowerCase();
      const dir = path.dirname(file);
      if (!phaseCache.has(dir)) phaseCache.set(dir, await phases(dir, readText));
      const phase = phaseCache.get(dir)!.get(Number(m[2]));
      patients.add(patient);
      jobs.push({
        kind: 'volume',
        source: 'ACDC',
        name: sanitize('acdc', patient, `frame${m[2]}`),
        group: patient,
        // The official split: training patients 1-100, testing 101-150 (both labelled now).
        split: folders(sourceDir, file).includes('testing') ? 'test' : 'trainval',
        image: path.relative(rawRoot, file),
        label: path.relative(rawRoot, label),
        slicing: 'stack',
        targets,
        meta: { frame: Number(m[2]), ...(phase ? { phase } : {}) },
      });
    }
    const notes = [`${jobs.length} annotated frames of ${patients.size} patients`];
    if (unlabelled.length) notes.push(`${unlabelled.length} frames without a _gt label skipped (2017 test download)`);
    return { jobs, problems: [], notes };
  },
};

export default acdc;
