/**
 * The HTML report of `medbank stats`, written into the tree as report/index.html: per task the
 * split counts, original sizes, inline SVG histograms of foreground fraction and bounding-box size,
 * and a montage PNG beside it; totals per modality, anatomy and license. Self-contained: no
 * scripts, fonts or network.
 */
import path from 'node:path';
import { writeAtomic } from '../io/files/atomic.js';
import { DEFAULT_MONTAGE, renderMontage, type MontageOptions } from './montage.js';
import { openMedBank, type Sample } from './open.js';
import type { Histogram, TaskStats, TreeStats } from './stats.js';

export const REPORT_DIR = 'report';

function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function histogramSvg(h: Histogram, title: string): string {
  const [w, ht, left, bottom] = [360, 150, 34, 28];
  const plotW = w - left - 8;
  const plotH = ht - bottom - 20;
  const max = Math.max(1, ...h.counts);
  const barW = plotW / h.counts.length;
  const bars = h.counts
    .map((c, i) => {
      const bh = (c / max) * plotH;
      const x = left + i * barW;
      const label = `${h.edges[i]}–${h.edges[i + 1]}: ${c}`;
      return `<rect x="${x.toFixed(1)}" y="${(20 + plotH - bh).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="#3b6ea5"><title>${escapeHtml(label)}</title></rect>`;
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((v) => `<text x="${(left + v * plotW).toFixed(1)}" y="${ht - bottom + 14}" font-size="10" text-anchor="middle">${v}</text>`)
    .join('');
  return (
    `<svg class="histogram" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${ht}" viewBox="0 0 ${w} ${ht}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="${left}" y="13" font-size="12">${escapeHtml(title)}</text>` +
    `<line x1="${left}" y1="${20 + plotH}" x2="${left + plotW}" y2="${20 + plotH}" stroke="#444"/>` +
    `<text x="${left - 4}" y="24" font-size="10" text-anchor="end">${max}</text><text x="${left - 4}" y="${20 + plotH}" font-size="10" text-anchor="end">0</text>` +
    `${bars}${ticks}</svg>`
  );
}

function table(head: string[], rows: (string | number)[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function totalsTable(title: string, totals: Record<string, number>): string {
  const rows = Object.entries(totals).sort((a, b) => b[1] - a[1]);
  return `<div class="totals"><h3>${escapeHtml(title)}</h3>${table([title, 'samples'], rows)}</div>`;
}

export const montageFile = (task: string) => `montage-${task}.png`;

function taskSection(t: TaskStats, shown: Sample[]): string {
  const sizes = t.originalSizes.slice(0, 8).map((s) => [`${s.width}×${s.height}`, s.count]);
  return `<section class="task" id="${escapeHtml(t.task)}">
<h2>${escapeHtml(t.task)}</h2>
<p>${escapeHtml([t.source, t.modality, t.anatomy].filter(Boolean).join(' · '))}${t.license ? ` · license: ${escapeHtml(t.license)}` : ''}</p>
${table(['train', 'val', 'test', 'total', 'empty masks'], [[t.splits.train, t.splits.val, t.splits.test, t.total, t.emptyMasks]])}
<div class="row">
${histogramSvg(t.foregroundFraction, 'foreground fraction of the mask')}
${histogramSvg(t.bboxSize, 'bounding box, longer side / image side')}
<div><h3>original sizes</h3>${table(['size', 'samples'], sizes)}${t.originalSizes.length > 8 ? `<p>and ${t.originalSizes.length - 8} more</p>` : ''}</div>
</div>
<figure><img class="montage" src="${escapeHtml(montageFile(t.task))}" alt="montage of ${escapeHtml(t.task)}">
<figcaption>${shown.length} random samples with the mask outline in red: ${escapeHtml(shown.map((s) => `${s.name} (${s.split})`).join(', '))}</figcaption></figure>
</section>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#f3f3f3}.row{display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start}
.totals{display:inline-block;vertical-align:top;margin-right:2em}section.task{border-top:1px solid #ddd;margin-top:2em}img.montage{image-rendering:pixelated}`;

/** Writes report/index.html and one montage per task into the tree; returns the HTML path. */
export async function writeReport(stats: TreeStats, montage: MontageOptions = DEFAULT_MONTAGE): Promise<string> {
  const dir = path.join(stats.root, REPORT_DIR);
  const bank = await openMedBank(stats.root);
  const sections: string[] = [];
  for (const t of stats.tasks) {
    const samples: Sample[] = [];
    for await (const s of bank.task(t.task).samples()) samples.push(s);
    const { png, shown } = await renderMontage(samples, montage);
    await writeAtomic(path.join(dir, montageFile(t.task)), png);
    sections.push(taskSection(t, shown));
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MedBank report: ${escapeHtml(path.basename(stats.root))}</title><style>${STYLE}</style></head>
<body>
<h1>MedBank report</h1>
<p>${stats.samples} samples in ${stats.tasks.length} task(s), from ${escapeHtml(stats.root)}. Written by <code>medbank stats</code>.</p>
${table(
  ['task', 'source', 'train', 'val', 'test', 'total', 'empty masks'],
  stats.tasks.map((t) => [t.task, t.source ?? '', t.splits.train, t.splits.val, t.splits.test, t.total, t.emptyMasks]),
)}
${totalsTable('modality', stats.totals.byModality)}${totalsTable('anatomy', stats.totals.byAnatomy)}${totalsTable('license', stats.totals.byLicense)}
${sections.join('\n')}
</body></html>
`;
  const file = path.join(dir, 'index.html');
  await writeAtomic(file, html);
  return file;
}
