// COVID-QU-Ex: 256x256 chest X-ray PNGs with lung and infection masks in official Train/Val/Test folders.
import path from 'node:path';
import type { Job2D, MaskTarget, Problem, SourceAdapter, Split } from '../types.js';
import { folders, isImageFile, sanitize, stem } from '../files.js';

type Subset = 'lung' | 'infection';
type Kind = 'image' | 'lung' | 'infection';

const CLASSES: Record<string, string> = { 'covid-19': 'COVID-19', 'non-covid': 'Non-COVID', normal: 'Normal' };
const SPLITS: Record<string, Split> = { train: 'train', val: 'val', test: 'test' };
const KINDS: Record<string, Kind> = { images: 'image', 'lung masks': 'lung', 'infection masks': 'infection' };

interface Entry {
  subset: Subset;
  split: Split;
  cls: string;
  files: Partial<Record<Kind, string>>;
}

/** Where a file sits: subset, official split, class and kind all come from its folders. */
function place(dirs: string[]): { subset: Subset; split: Split; cls: string; kind: Kind } | undefined {
  const subset = dirs.some((d) => d.startsWith('infection segmentation'))
    ? 'infection'
    : dirs.some((d) => d.startsWith('lung segmentation'))
      ? 'lung'
      : undefined;
  const split = [...dirs]
    .reverse()
    .map((d) => SPLITS[d])
    .find(Boolean);
  const cls = [...dirs]
    .reverse()
    .map((d) => CLASSES[d])
    .find(Boolean);
  const kind = KINDS[dirs.at(-1)?.replace(/\s+/g, ' ') ?? ''];
  return subset && split && cls && kind ? { subset, split, cls, kind } : undefined;
}

const covidQuEx: SourceAdapter = {
  id: 'COVID-QU-Ex',
  name: 'COVID-QU-Ex',
  order: 7,
  link: 'https://www.kaggle.com/datasets/anasmohammedtahir/covidqu',
  license: {
    text: 'CC BY-SA 4.0',
    spdx: 'CC-BY-SA-4.0',
    commercial: 'yes',
    attribution: 'Tahir, Chowdhury et al., Qatar University (images compiled from several public chest X-ray collections)',
  },
  access: 'registration',
  modality: 'chest X-ray',
  modalityCode: 'XR',
  anatomy: 'lungs',
  dimension: '2d',
  jobKind: '2d',
  tasks: [
    {
      id: 'Lung_XR_9',
      structure: 'lungs',
      labels: [],
      rule: 'lung mask of the "Lung Segmentation Data" part (`lung masks/`, same file name as the image), luma above 127; only where that part is absent, the `lung masks/` of the "Infection Segmentation Data" part',
    },
    {
      id: 'LungInfection_XR_10',
      structure: 'COVID-19 lung infection',
      labels: [],
      rule: 'infection mask of the "Infection Segmentation Data" part (`infection masks/`, same file name), luma above 127; a Non-COVID or Normal image without an infection mask file counts as an empty mask, so the empty-mask policy drops it like the shipped empty ones',
    },
  ],
  citations: [
    {
      key: 'tahir2021covidquex',
      bibtex: `@article{tahir2021covidquex,
  author  = {Tahir, Anas M. and Chowdhury, Muhammad E. H. and Khandakar, Amith and Rahman, Tawsifur and Qiblawey, Yazan and Khurshid, Uzair and Kiranyaz, Serkan and Ibtehaz, Nabil and Rahman, M. S. and Al-Maadeed, Somaya and Mahmud, Sakib and Ezeddin, Maymouna and Hameed, K. and Hamid, T.},
  title   = {{COVID-19} infection localization and severity grading from chest {X}-ray images},
  journal = {Computers in Biology and Medicine},
  volume  = {139},
  pages   = {105002},
  year    = {2021},
  doi     = {10.1016/j.compbiomed.2021.105002}
}`,
    },
    {
      key: 'tahir2021covidquexdata',
      bibtex: `@misc{tahir2021covidquexdata,
  author    = {Tahir, Anas M. and Chowdhury, Muhammad E. H. and Qiblawey, Yazan and Khandakar, Amith and Rahman, Tawsifur and Kiranyaz, Serkan and Khurshid, Uzair and Ibtehaz, Nabil and Mahmud, Sakib and Ezeddin, Maymouna},
  title     = {{COVID-QU-Ex} Dataset},
  publisher = {Kaggle},
  year      = {2021},
  doi       = {10.34740/kaggle/dsv/3122958},
  url       = {https://www.kaggle.com/datasets/anasmohammedtahir/covidqu}
}`,
    },
    {
      key: 'rahman2021covqu',
      bibtex: `@article{rahman2021covqu,
  author  = {Rahman, Tawsifur and Khandakar, Amith and Qiblawey, Yazan and Tahir, Anas and Kiranyaz, Serkan and Abul Kashem, Saad Bin and Islam, Mohammad Tariqul and Al Maadeed, Somaya and Zughaier, Susu M. and Khan, Muhammad Salman and Chowdhury, Muhammad E. H.},
  title   = {Exploring the effect of image enhancement techniques on {COVID-19} detection using chest {X}-ray images},
  journal = {Computers in Biology and Medicine},
  volume  = {132},
  pages   = {104319},
  year    = {2021},
  doi     = {10.1016/j.compbiomed.2021.104319}
}`,
    },
    {
      key: 'degerli2021infectionmap',
      bibtex: `@article{degerli2021infectionmap,
  author  = {Degerli, Aysen and Ahishali, Mete and Yamac, Mehmet and Kiranyaz, Serkan and Chowdhury, Muhammad E. H. and Hameed, Khalid and Hamid, Tahir and Mazhar, Rashid and Gabbouj, Moncef},
  title   = {{COVID-19} infection map generation and detection from chest {X}-ray images},
  journal = {Health Information Science and Systems},
  volume  = {9},
  number  = {1},
  pages   = {15},
  year    = {2021},
  doi     = {10.1007/s13755-021-00146-8}
}`,
    },
    {
      key: 'chowdhury2020screening',
      bibtex: `@article{chowdhury2020screening,
  author  = {Chowdhury, Muhammad E. H. and Rahman, Tawsifur and Khandakar, Amith and Mazhar, Rashid and Kadir, Muhammad Abdul and Mahbub, Zaid Bin and Islam, Khandakar Reajul and Khan, Muhammad Salman and Iqbal, Atif and Al Emadi, Nasser and Reaz, Mamun Bin Ibne and Islam, Mohammad Tariqul},
  title   = {Can {AI} Help in Screening Viral and {COVID-19} Pneumonia?},
  journal = {IEEE Access},
  volume  = {8},
  pages   = {132665--132676},
  year    = {2020},
  doi     = {10.1109/ACCESS.2020.3010287}
}`,
    },
  ],
  download: [
    'Sign in to Kaggle (free account) and download the dataset from https://www.kaggle.com/datasets/anasmohammedtahir/covidqu (the web page, or `kaggle datasets download anasmohammedtahir/covidqu`).',
    'Unzip it into <raw>/COVID-QU-Ex/ keeping its folders, including the doubled names and the spaces ("Lung Segmentation Data/Lung Segmentation Data/", "lung masks").',
    'Keep both parts: "Lung Segmentation Data" feeds Lung_XR_9 and "Infection Segmentation Data" feeds LungInfection_XR_10.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'covidqu.zip',
            from: { kind: 'kaggle', dataset: 'anasmohammedtahir/covidqu' },
            origin: 'torch-em via the Kaggle API (ACQUISITION.md)',
            checksums: [],
            format: 'zip',
            into: '',
          },
        ],
        note: 'needs a Kaggle API token; no hash is published, so the first verified download is pinned in the lock',
      },
    ],
    manual: {
      reason: 'Kaggle needs a (free) account and its API token',
      steps: [
        'Set up a Kaggle API token (README, "Fetching") and rerun medbank fetch,',
        'or download https://www.kaggle.com/datasets/anasmohammedtahir/covidqu in a browser (signed in).',
        'Put the zip as covidqu.zip in <raw>/.downloads/COVID-QU-Ex/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `COVID-QU-Ex/
  Lung Segmentation Data/Lung Segmentation Data/     (an extra wrapper such as COVID-QU-Ex_Dataset/ is fine)
    Train/ Val/ Test/
      COVID-19/ Non-COVID/ Normal/
        images/         covid_1579.png, non_COVID (3300).png, Normal (84).png ...
        lung masks/     same file names
  Infection Segmentation Data/Infection Segmentation Data/
    Train/ Val/ Test/
      COVID-19/ Non-COVID/ Normal/
        images/         same naming
        lung masks/     (not used by the infection task)
        infection masks/  (all empty, or missing, for Non-COVID and Normal)
An image found in both parts keeps one output name (from its file name) in both tasks.`,

  ignore: [
    {
      pattern: /(^|\/)Infection Segmentation Data\/.*\/lung masks\//i,
      reason: 'lung masks of the infection part (the lung task uses the Lung Segmentation Data part)',
    },
  ],

  async scan({ sourceDir, rawRoot, files }) {
    const entries = new Map<string, Entry>();
    let unplaced = 0;
    for (const f of files) {
      if (!isImageFile(f)) continue;
      const where = place(folders(sourceDir, f));
      if (!where) {
        unplaced++;
        continue;
      }
      const key = `${where.subset}/${where.split}/${where.cls}/${stem(f)}`;
      const entry = entries.get(key) ?? { subset: where.subset, split: where.split, cls: where.cls, files: {} };
      entry.files[where.kind] = f;
      entries.set(key, entry);
    }
    const lungPartPresent = [...entries.values()].some((e) => e.subset === 'lung');
    const jobs: Job2D[] = [];
    const problems: Problem[] = [];
    const counts: Record<string, number> = {};
    let absentInfection = 0;
    for (const [, entry] of [...entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const { image } = entry.files;
      if (!image) {
        for (const f of Object.values(entry.files))
          problems.push({ file: path.relative(rawRoot, f), reason: 'mask without its image (expected the same file name in images/)' });
        continue;
      }
      const rel = path.relative(rawRoot, image);
      const mask = (file: string): MaskTarget['mask'] => ({ kind: 'luma-above', files: [path.relative(rawRoot, file)], above: 127 });
      const targets: MaskTarget[] = [];
      const useLung = entry.subset === 'lung' || !lungPartPresent;
      if (useLung) {
        if (entry.files.lung) targets.push({ task: 'Lung_XR_9', mask: mask(entry.files.lung) });
        else problems.push({ file: rel, reason: 'no lung mask with the same file name in lung masks/' });
      }
      if (entry.subset === 'infection') {
        if (entry.files.infection) targets.push({ task: 'LungInfection_XR_10', mask: mask(entry.files.infection) });
        else if (entry.cls !== 'COVID-19') {
          // Non-COVID and Normal images have no infection by definition; some copies omit their masks.
          targets.push({ task: 'LungInfection_XR_10', mask: { kind: 'boxes', boxes: [] } });
          absentInfection++;
        } else problems.push({ file: rel, reason: 'COVID-19 image without an infection mask in infection masks/' });
      }
      if (targets.length === 0) continue;
      for (const t of targets) counts[`${t.task} ${entry.split}`] = (counts[`${t.task} ${entry.split}`] ?? 0) + 1;
      // Names come from the file name alone, so an image in both parts is named alike in both tasks.
      const name = sanitize('covidquex', stem(image));
      jobs.push({
        kind: '2d',
        source: 'COVID-QU-Ex',
        name,
        group: name,
        split: entry.split,
        image: rel,
        targets,
        meta: { class: entry.cls, subset: entry.subset === 'lung' ? 'Lung Segmentation Data' : 'Infection Segmentation Data' },
      });
    }
    const notes = [
      `official split (candidates per task before the empty-mask policy): ${Object.entries(counts)
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    ];
    if (!lungPartPresent && jobs.length)
      notes.push('no "Lung Segmentation Data" part found: the lung task uses the lung masks of the infection part');
    if (absentInfection) notes.push(`${absentInfection} Non-COVID/Normal images have no infection mask file: treated as empty`);
    if (unplaced)
      notes.push(
        `${unplaced} image files outside a <part>/<Train|Val|Test>/<class>/<images|lung masks|infection masks>/ folder are ignored`,
      );
    return { jobs, problems, notes };
  },
};

export default covidQuEx;
