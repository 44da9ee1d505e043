import { html } from 'lit';
import { api, type TreeStats } from '../api.js';
import { DEFAULT_PAGE_SIZE, routeHash } from '../route.js';
import { barChart, histogramChart, type Bar } from './charts.js';
import { LightElement } from './light-element.js';

function totalsBars(totals: Record<string, number>): Bar[] {
  return Object.entries(totals)
    .sort((a, b) => b[1] - a[1])
    .map(([label, value]) => ({ label, parts: [{ value, className: 'total', label: 'samples' }] }));
}

/** The `medbank stats` figures as charts: samples per task and split, totals, mask size histograms. */
export class StatsView extends LightElement {
  private stats?: TreeStats;
  private error?: string;

  override connectedCallback(): void {
    super.connectedCallback();
    api
      .stats()
      .then((s) => (this.stats = s))
      .catch((e: Error) => (this.error = e.message))
      .finally(() => this.requestUpdate());
  }

  override render() {
    if (this.error) return html`<p class="error">Cannot compute the stats: ${this.error}</p>`;
    const st = this.stats;
    if (!st) return html`<p class="muted">Computing stats…</p>`;
    const splitBars: Bar[] = st.tasks.map((t) => ({
      label: t.task,
      parts: [
        { value: t.splits.train, className: 'train', label: 'train' },
        { value: t.splits.val, className: 'val', label: 'val' },
        { value: t.splits.test, className: 'test', label: 'test' },
      ],
    }));
    return html`<h1>Stats</h1>
      <section>
        <h2>Samples per task and split</h2>
        <p class="legend"><span class="key train"></span>train <span class="key val"></span>val <span class="key test"></span>test</p>
        ${barChart(splitBars, 'samples per task, stacked by split')}
      </section>
      <h2>Samples by modality, anatomy and license</h2>
      <section class="totals">
        ${barChart(totalsBars(st.totals.byModality), 'samples by modality')}
        ${barChart(totalsBars(st.totals.byAnatomy), 'samples by anatomy')}
        ${barChart(totalsBars(st.totals.byLicense), 'samples by license')}
      </section>
      <section>
        <h2>Masks per task</h2>
        <table class="task-stats">
          <thead>
            <tr>
              <th>task</th>
              <th class="num">samples</th>
              <th class="num">empty masks</th>
              <th>original sizes (most common)</th>
              <th>foreground fraction</th>
              <th>bounding-box size</th>
            </tr>
          </thead>
          <tbody>
            ${st.tasks.map(
              (t) =>
                html`<tr data-task=${t.task}>
                  <td><a href=${routeHash({ view: 'grid', task: t.task, split: 'all', page: 1, per: DEFAULT_PAGE_SIZE })}>${t.task}</a></td>
                  <td class="num">${t.total.toLocaleString('en')}</td>
                  <td class="num">${t.emptyMasks.toLocaleString('en')}</td>
                  <td>
                    ${
                      t.originalSizes.length
                        ? t.originalSizes
                            .slice(0, 4)
                            .map((s) => html`<div>${s.width} × ${s.height} <span class="muted">(${s.count})</span></div>`)
                        : html`<span class="muted">—</span>`
                    }
                  </td>
                  <td>${histogramChart(t.foregroundFraction, 'share of the image')}</td>
                  <td>${histogramChart(t.bboxSize, 'relative to the image side')}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>`;
  }
}

customElements.define('mb-stats', StatsView);
