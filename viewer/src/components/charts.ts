/**
 * Small SVG charts for the stats page, drawn directly: horizontal (stacked) bars and histograms
 * need a few rectangles and labels each, less code than configuring a chart library.
 */
import { svg, html, type TemplateResult } from 'lit';
import type { Histogram } from '../../../src/dataset/stats.js';

export interface BarPart {
  value: number;
  className: string;
  label: string;
}

export interface Bar {
  label: string;
  parts: BarPart[];
}

const fmt = (n: number) => n.toLocaleString('en');

/** One row per bar, parts stacked left to right, total at the end. */
export function barChart(bars: Bar[], caption: string): TemplateResult {
  const rowHeight = 22;
  const labelWidth = 190;
  const barWidth = 420;
  const width = labelWidth + barWidth + 70;
  const max = Math.max(1, ...bars.map((b) => b.parts.reduce((n, p) => n + p.value, 0)));
  const height = bars.length * rowHeight + 4;
  return html`<figure class="chart">
    <svg viewBox="0 0 ${width} ${height}" width=${width} height=${height} role="img" aria-label=${caption}>
      ${bars.map((bar, i) => {
        const y = i * rowHeight + 2;
        let x = labelWidth;
        const total = bar.parts.reduce((n, p) => n + p.value, 0);
        return svg`<g class="bar-row">
          <text class="label" x=${labelWidth - 8} y=${y + rowHeight / 2 + 4} text-anchor="end">${bar.label}</text>
          ${bar.parts.map((part) => {
            const w = (part.value / max) * barWidth;
            const rect = svg`<rect class=${part.className} x=${x} y=${y + 3} width=${w} height=${rowHeight - 6}><title>${bar.label} · ${part.label}: ${fmt(part.value)}</title></rect>`;
            x += w;
            return rect;
          })}
          <text class="value" x=${x + 6} y=${y + rowHeight / 2 + 4}>${fmt(total)}</text>
        </g>`;
      })}
    </svg>
    <figcaption>${caption}</figcaption>
  </figure>`;
}

/** Bars over equal-width bins; edges labelled at both ends and the middle. */
export function histogramChart(h: Histogram, caption: string): TemplateResult {
  if (!h.counts.length)
    return html`<figure class="chart histogram empty">
      <p class="muted">no data</p>
      <figcaption>${caption}</figcaption>
    </figure>`;
  const width = 240;
  const height = 110;
  const plot = height - 20;
  const max = Math.max(1, ...h.counts);
  const w = width / h.counts.length;
  const edge = (i: number) => String(Math.round(h.edges[i] * 100) / 100);
  return html`<figure class="chart histogram">
    <svg viewBox="0 0 ${width} ${height}" width=${width} height=${height} role="img" aria-label=${caption}>
      ${h.counts.map((c, i) => {
        const bh = (c / max) * plot;
        return svg`<rect class="hist" x=${i * w + 0.5} y=${plot - bh} width=${Math.max(0, w - 1)} height=${bh}><title>${edge(i)}–${edge(i + 1)}: ${fmt(c)}</title></rect>`;
      })}
      ${svg`<line class="axis" x1="0" x2=${width} y1=${plot} y2=${plot}></line>
        <text class="tick" x="0" y=${height - 4}>${edge(0)}</text>
        <text class="tick" x=${width / 2} y=${height - 4} text-anchor="middle">${edge(Math.floor(h.counts.length / 2))}</text>
        <text class="tick" x=${width} y=${height - 4} text-anchor="end">${edge(h.counts.length)}</text>`}
    </svg>
    <figcaption>${caption}</figcaption>
  </figure>`;
}
