// CAMUS: 2D apical echocardiograms (2CH/4CH, ED/ES) labelled LV 1, myocardium 2, left atrium 3; official split files.
import path from 'node:path';
import type { JobVolume, Problem, ScanContext, SourceAdapter, Split, SplitHint } from '../types.js';
import { folders, sanitize } from '../files.js';
import { volumeTargets } from '../volume-targets.js';

const FRAME = /^(patient\d{4})_(2CH|4CH)_(ED|ES)\.(nii\.gz|nii|mhd|mha)$/i;
const SPLIT_FILES: Record<string, Split> = { training: 'train', validation: 'val', testing: 'test' };

/** Patient ids of the official split files (database_split/subgroup_{training,validation,testing}.txt). */
async function officialSplit(files: string[], readText: ScanContext['readText']): Promise<Map<string, Split>> {
  const out = new Map<string, Split>();
  for (const file of files) {
    const m = /^subgroup_(training|validation|testing)\.txt$/i.exec(path.basename(file));
    if (!m) continue;
    for (const id of (await readText(file)).match(/patient\d{4}/gi) ?? []) out.set(id.toLowerCase(), SPLIT_FILES[m[1].toLowerCase()]);
  }
  return out;
}

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
  jobKind: 'volume',
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
  citations: [
    {
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
  ],
  download: [
    'Open the CAMUS collection on the CREATIS Human Heart database (linked from https://www.creatis.insa-lyon.fr/Challenge/camus/index.html) and download the CAMUS_public folder as one zip (the 2023 NIfTI release); no account was needed at the time of writing.',
    'Unzip it into <raw>/CAMUS/ keeping its folders: database_nifti/ and database_split/ (the split files give the official 400/50/50 patients).',
    'The 2019 MetaImage release (.mhd + .raw) is accepted as a fallback, but its folder names are unverified and it has no split files: prefer the NIfTI release.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'CAMUS.zip',
            from: {
              kind: 'url',
              url: 'https://humanheart-project.creatis.insa-lyon.fr/database/api/v1/folder/63fde55f73e9f004868fb7ac/download',
            },
            origin: 'torch-em camus.py (ACQUISITION.md)',
            checksums: [],
            format: 'zip',
            into: '',
            rebuiltPerDownload: true,
          },
        ],
        note: 'the server rebuilds the zip on every download (torch-em), so its hash changes: the lock pins the unpacked files instead; --expect can supply a hash for a copy you keep',
      },
    ],
    manual: {
      reason: 'only if the CREATIS server is unreachable',
      steps: [
        'Download the CAMUS_public folder as one zip (see the download steps).',
        'Put it as CAMUS.zip in <raw>/.downloads/CAMUS/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
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

  ignore: [
    {
      pattern: /_(half_)?sequence(_gt)?\.(nii\.gz|nii|mhd|mha|raw|zraw)$/i,
      reason: 'image sequences (the labelled ED and ES frames are used)',
    },
  ],

  async scan({ sourceDir, rawRoot, options, files, readText }) {
    const names = new Set(files);
    const split = await officialSplit(files, readText);
    const targets = volumeTargets(camus.tasks, options);
    const jobs: JobVolume[] = [];
    const problems: Problem[] = [];
    const patients = new Set<string>();
    for (const file of files) {
      const m = FRAME.exec(path.basename(file));
      if (!m) continue;
      const ext = m[4];
      const label = file.slice(0, -ext.length - 1) + `_gt.${ext}`;
      const rel = path.relative(rawRoot, file);
      if (!names.has(label)) {
        problems.push({ file: rel, reason: `no label file ${path.basename(label)} beside the frame` });
        continue;
      }
      const patient = m[1].toLowerCase();
      // Without split files (2019 release) the folders say training (train+val) or testing.
      const hint: SplitHint | undefined =
        split.get(patient) ?? (split.size === 0 ? (folders(sourceDir, file).includes('testing') ? 'test' : 'trainval') : undefined);
      if (!hint) {
        problems.push({ file: rel, reason: `${patient} is in none of the official split files` });
        continue;
      }
      patients.add(patient);
      jobs.push({
        kind: 'volume',
        source: 'CAMUS',
        name: sanitize('camus', patient, m[2], m[3]),
        group: patient,
        split: hint,
        image: rel,
        label: path.relative(rawRoot, label),
        slicing: 'frame',
        targets,
        meta: { view: m[2].toUpperCase(), phase: m[3].toUpperCase(), format: ext.toLowerCase() },
      });
    }
    const notes = [`${jobs.length} ED/ES frames of ${patients.size} patients (half-sequences not used)`];
    notes.push(split.size ? `official split files: ${split.size} patients` : 'no split files found: split by training/testing folders');
    return { jobs, problems, notes };
  },
};

export default camus;
