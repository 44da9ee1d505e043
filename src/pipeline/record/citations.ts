/** CITATION.bib: every included source's reference plus SAMed2, which defined the collection. */
import type { SourceInfo } from '../../catalog/types.js';

export const SAMED2_BIBTEX = `@inproceedings{yan2025samed2,
  title     = {{SAMed-2}: Selective Memory Enhanced Medical Segment Anything Model},
  author    = {Yan, Zhiling and Song, Sifan and Song, Dingjie and Li, Yiwei and Zhou, Rong and Sun, Weixiang and Chen, Zhennong and Kim, Sekeun and Ren, Hui and Liu, Tianming and Li, Quanzheng and Li, Xiang and He, Lifang and Sun, Lichao},
  booktitle = {Medical Image Computing and Computer Assisted Intervention -- MICCAI 2025},
  year      = {2025},
  eprint    = {2507.03698},
  archivePrefix = {arXiv}
}`;

export function renderCitations(sources: SourceInfo[]): string {
  return [...sources.flatMap((s) => s.citations.map((c) => c.bibtex.trim())), SAMED2_BIBTEX].join('\n\n') + '\n';
}
