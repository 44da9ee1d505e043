// PlantDoc: web photos of plant leaves with bounding boxes only; leaf masks are the filled boxes.
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { XMLParser } from 'fast-xml-parser';
import type { Job2D, Problem, SourceAdapter } from '../types.js';
import { sanitize } from '../files.js';

type Box = [number, number, number, number];
type Part = 'train' | 'test';

interface Annotation {
  boxes: Box[];
  classes: string[];
  degenerate: number;
}

const EXTENSIONS = /(\.(jpe?g|png|bmp|webp|gif|xml))+$/i;
const PHOTO = /\.(jpe?g|png|bmp|webp)$/i;

/**
 * The shipped name, percent-decoded where valid, with a query string cut off only where the name
 * does not end in an extension: the release appends the extension after it
 * (`latest?cb=20100621160325.jpg` beside `latest?cb=20100621160325.xml`), other copies keep it after
 * the extension (`corn-leaf.jpg?w=640`).
 */
function plainName(name: string): string {
  let n = name;
  try {
    n = decodeURIComponent(n);
  } catch {
    // Not valid percent-encoding: the name is used as it is.
  }
  return EXTENSIONS.test(n) ? n : n.replace(/[?#].*$/, '');
}

/**
 * Pairing key of a shipped name: query string (after the extension) and (doubled) extensions
 * removed, lower-cased. `Tomato%20leaf.jpg?w=640` and `Tomato leaf.xml` meet at `tomato leaf`.
 */
export function baseKey(name: string): string {
  return plainName(name).replace(EXTENSIONS, '').toLowerCase();
}

function isPhoto(name: string): boolean {
  return PHOTO.test(plainName(name));
}

/**
 * Pascal VOC corners are 1-based and inclusive; the boxes rule is 0-based, end-exclusive, so the
 * start moves back by one pixel. CSV rows copy the XML values and get the same treatment.
 */
function toBox(xmin: unknown, ymin: unknown, xmax: unknown, ymax: unknown): Box | undefined {
  const [x0, y0, x1, y1] = [xmin, ymin, xmax, ymax].map(Number);
  if (![x0, y0, x1, y1].every(Number.isFinite) || x1 < x0 || y1 < y0) return undefined;
  const box: Box = [Math.max(0, x0 - 1), Math.max(0, y0 - 1), x1, y1];
  // Corners left of or above the image (found by the fuzzer: xmin = xmax = -1) cover no pixel.
  return box[2] > box[0] && box[3] > box[1] ? box : undefined;
}

function add(into: Annotation, box: Box | undefined, cls: unknown): void {
  if (!box) {
    into.degenerate++;
    return;
  }
  into.boxes.push(box);
  const c = String(cls ?? '').trim();
  if (c && !into.classes.includes(c)) into.classes.push(c);
}

interface VocObject {
  name?: unknown;
  bndbox?: { xmin?: unknown; ymin?: unknown; xmax?: unknown; ymax?: unknown };
}

let xml: Promise<XMLParser> | undefined;

/** fast-xml-parser takes about 70 ms to load: only a scan that meets a VOC file loads it. */
function vocParser(): Promise<XMLParser> {
  xml ??= import('fast-xml-parser').then(({ XMLParser }) => new XMLParser({ isArray: (tag) => tag === 'object' }));
  return xml;
}

async function parseVoc(text: string): Promise<Annotation> {
  const doc = (await vocParser()).parse(text) as { annotation?: { object?: VocObject[] } };
  if (!doc.annotation) throw new Error('no <annotation> element');
  const out: Annotation = { boxes: [], classes: [], degenerate: 0 };
  for (const o of doc.annotation.object ?? [])
    add(out, o.bndbox && toBox(o.bndbox.xmin, o.bndbox.ymin, o.bndbox.xmax, o.bndbox.ymax), o.name);
  return out;
}

/** `filename,width,height,class,xmin,ymin,xmax,ymax`, one row per box (header names matched case-insensitively). */
function parseCsvBoxes(text: string): Map<string, Annotation> {
  const rows = parseCsv(text, {
    columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
    skip_empty_lines: true,
    trim: true,
  }) as Record<string, string>[];
  if (rows.length && !['filename', 'xmin', 'ymin', 'xmax', 'ymax'].every((c) => c in rows[0]))
    throw new Error('expected columns filename, class, xmin, ymin, xmax, ymax');
  const out = new Map<string, Annotation>();
  for (const r of rows) {
    const key = baseKey(r.filename);
    const a = out.get(key) ?? { boxes: [], classes: [], degenerate: 0 };
    add(a, toBox(r.xmin, r.ymin, r.xmax, r.ymax), r.class);
    out.set(key, a);
  }
  return out;
}

const plantdoc: SourceAdapter = {
  id: 'PlantDoc',
  name: 'PlantDoc',
  order: 9,
  link: 'https://github.com/pratikkayal/PlantDoc-Dataset',
  license: {
    text: 'Creative Commons Attribution 4.0 International',
    spdx: 'CC-BY-4.0',
    commercial: 'yes',
    attribution: 'Singh, Jain, Jain, Kayal, Kumawat and Batra, IIT Gandhinagar (images scraped from the web)',
  },
  access: 'open download',
  modality: 'photograph (web-scraped RGB)',
  modalityCode: 'PH',
  anatomy: 'plant leaves',
  dimension: '2d',
  jobKind: '2d',
  tasks: [
    {
      id: 'Leaf_PH_12',
      structure: 'leaf',
      labels: [],
      rule: 'union of the filled bounding boxes of every annotation of the image, any class (Pascal VOC XML beside the image, else the CSV rows; no pixel masks exist: coarse masks)',
      annotation: 'box',
    },
  ],
  citations: [
    {
      key: 'singh2020plantdoc',
      bibtex: `@inproceedings{singh2020plantdoc,
  author    = {Singh, Davinder and Jain, Naman and Jain, Pranjali and Kayal, Pratik and Kumawat, Sudhakar and Batra, Nipun},
  title     = {{PlantDoc}: A Dataset for Visual Plant Disease Detection},
  booktitle = {Proceedings of the 7th ACM IKDD CoDS and 25th COMAD},
  pages     = {249--253},
  publisher = {ACM},
  year      = {2020},
  doi       = {10.1145/3371158.3371196}
}`,
    },
  ],
  download: [
    'Clone or download as ZIP https://github.com/pratikkayal/PlantDoc-Object-Detection-Dataset (no account): it carries the bounding boxes. The README link, pratikkayal/PlantDoc-Dataset, holds the same photos sorted into class folders without boxes.',
    'Unpack it into <raw>/PlantDoc/ keeping TRAIN/, TEST/, train_labels.csv and test_labels.csv.',
    'Keep the file names as shipped (URL-encoded names, query strings and double extensions included): images and annotations are paired by name.',
  ],
  fetch: {
    routes: [
      {
        archives: [
          {
            name: 'PlantDoc-Object-Detection-Dataset-b479f723.zip',
            from: {
              kind: 'url',
              url: 'https://github.com/pratikkayal/PlantDoc-Object-Detection-Dataset/archive/b479f7232dd7af2060920e49359142904fe15273.zip',
            },
            origin:
              'GitHub archive of commit b479f7232dd7af2060920e49359142904fe15273, the commit SOURCES.md read (test_labels.csv@b479f723)',
            checksums: [],
            format: 'zip',
            into: '',
          },
        ],
        note: 'pinned to a commit (a branch archive changes when the branch moves); GitHub builds the zip, so no hash is published and the first verified download is pinned in the lock',
      },
    ],
    manual: {
      reason: 'only if GitHub is unreachable',
      steps: [
        'Download https://github.com/pratikkayal/PlantDoc-Object-Detection-Dataset/archive/b479f7232dd7af2060920e49359142904fe15273.zip.',
        'Put it as PlantDoc-Object-Detection-Dataset-b479f723.zip in <raw>/.downloads/PlantDoc/ and rerun medbank fetch: it is checked and unpacked like a download.',
      ],
    },
  },
  layout: `PlantDoc/
  PlantDoc-Object-Detection-Dataset/    (any wrapper, e.g. a GitHub ZIP's ...-master/, is fine)
    TRAIN/   <name>.jpg + <name>.xml    (Pascal VOC boxes)
    TEST/    <name>.jpg + <name>.xml
    train_labels.csv, test_labels.csv   (filename,width,height,class,xmin,ymin,xmax,ymax; one row per box)
The classification repository's train/<class>/ and test/<class>/ folders have no boxes and are ignored.
TEST is the test split; val is carved from TRAIN by seed.`,

  ignore: [{ pattern: /(^|\/)(train|test)\/[^/]+\/[^/]+$/i, reason: 'class folders of the classification copy (no boxes)' }],

  async scan({ rawRoot, files, readText }) {
    const photos: { file: string; part: Part }[] = [];
    const vocs = new Map<string, string>();
    const csvs: { file: string; part: Part }[] = [];
    for (const f of files) {
      const base = path.basename(f);
      const parent = path.basename(path.dirname(f)).toLowerCase();
      if (/\.csv$/i.test(base)) {
        const part = /train/i.test(base) ? 'train' : /test/i.test(base) ? 'test' : undefined;
        if (part) csvs.push({ file: f, part });
        continue;
      }
      // Only photos directly in TRAIN/ or TEST/ carry boxes; class subfolders are the classification copy.
      if (parent !== 'train' && parent !== 'test') continue;
      if (/\.xml$/i.test(base)) vocs.set(`${parent}/${baseKey(base)}`, f);
      else if (isPhoto(base)) photos.push({ file: f, part: parent });
    }
    const problems: Problem[] = [];
    const fromCsv = new Map<string, Annotation>();
    for (const { file, part } of csvs) {
      try {
        for (const [key, a] of parseCsvBoxes(await readText(file))) {
          const prev = fromCsv.get(`${part}/${key}`);
          fromCsv.set(
            `${part}/${key}`,
            prev
              ? {
                  boxes: [...prev.boxes, ...a.boxes],
                  classes: [...new Set([...prev.classes, ...a.classes])],
                  degenerate: prev.degenerate + a.degenerate,
                }
              : a,
          );
        }
      } catch (e) {
        problems.push({ file: path.relative(rawRoot, file), reason: `unreadable box list: ${(e as Error).message}` });
      }
    }

    const jobs: Job2D[] = [];
    const counts = { train: 0, test: 0, voc: 0, csv: 0, degenerate: 0 };
    for (const { file, part } of photos.sort((a, b) => (a.file < b.file ? -1 : 1))) {
      const rel = path.relative(rawRoot, file);
      const key = `${part}/${baseKey(path.basename(file))}`;
      let annotation: Annotation | undefined;
      let from: 'voc' | 'csv' = 'voc';
      const voc = vocs.get(key);
      if (voc) {
        try {
          annotation = await parseVoc(await readText(voc));
        } catch (e) {
          problems.push({ file: path.relative(rawRoot, voc), reason: `unreadable VOC annotation: ${(e as Error).message}` });
        }
      }
      if (!annotation && fromCsv.has(key)) {
        annotation = fromCsv.get(key);
        from = 'csv';
      }
      if (!annotation) {
        if (!voc) problems.push({ file: rel, reason: 'no boxes: neither a VOC .xml of the same name nor a row in the CSV lists' });
        continue;
      }
      counts[part]++;
      counts[from]++;
      counts.degenerate += annotation.degenerate;
      const name = sanitize('plantdoc', baseKey(path.basename(file))) || 'plantdoc';
      jobs.push({
        kind: '2d',
        source: 'PlantDoc',
        name,
        // No ids: each photo is its own group; identical photos are merged by hash.
        group: name,
        // TEST is official; val is carved by seed from the TRAIN pool.
        split: part === 'test' ? 'test' : 'trainval',
        image: rel,
        targets: [{ task: 'Leaf_PH_12', mask: { kind: 'boxes', boxes: annotation.boxes } }],
        meta: {
          boxes: annotation.boxes.length,
          classes: annotation.classes.join('|'),
          boxesFrom: from === 'voc' ? path.relative(rawRoot, voc!) : 'csv',
        },
      });
    }
    const notes = [
      `${jobs.length} photos with boxes: TRAIN ${counts.train} (train + val by seed), TEST ${counts.test}; boxes from VOC XML ${counts.voc}, from CSV ${counts.csv}`,
    ];
    if (counts.degenerate) notes.push(`${counts.degenerate} boxes with missing or inverted corners ignored`);
    return { jobs, problems, notes };
  },
};

export default plantdoc;
