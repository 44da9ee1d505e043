// PlantDoc: web photos of plant leaves with bounding boxes only; leaf masks are the filled boxes.
import type { SourceAdapter } from '../types.js';

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
  tasks: [
    {
      id: 'Leaf_PH_12',
      structure: 'leaf',
      labels: [],
      rule: 'union of the filled bounding boxes of every leaf annotation of the image, any class (no pixel masks exist: coarse masks)',
      annotation: 'box',
    },
  ],
  citation: {
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
  download: [
    'Clone or download as ZIP https://github.com/pratikkayal/PlantDoc-Object-Detection-Dataset (no account): it carries the bounding boxes. The README link, pratikkayal/PlantDoc-Dataset, holds the same photos sorted into class folders without boxes.',
    'Unpack it into <raw>/PlantDoc/ keeping TRAIN/, TEST/, train_labels.csv and test_labels.csv.',
    'Keep the file names as shipped (URL-encoded names, query strings and double extensions included): images and annotations are paired by name.',
  ],
  layout: `PlantDoc/
  PlantDoc-Object-Detection-Dataset/    (any wrapper, e.g. a GitHub ZIP's ...-master/, is fine)
    TRAIN/   <name>.jpg + <name>.xml    (Pascal VOC boxes)
    TEST/    <name>.jpg + <name>.xml
    train_labels.csv, test_labels.csv   (filename,width,height,class,xmin,ymin,xmax,ymax; one row per box)
The classification repository's train/<class>/ and test/<class>/ folders have no boxes and are ignored.`,
};

export default plantdoc;
