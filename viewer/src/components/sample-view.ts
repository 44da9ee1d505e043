import { html, svg, type PropertyValues } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import { api, loadPixels, type SampleDetail, type SplitFilter } from '../api.js';
import type { TaskSummary } from '../../../src/viewer/api-types.js';
import type { ManifestRow } from '../../../src/contract/manifest.js';
import { binaryMask, composite, overlay } from '../overlay.js';
import { navigate, routeHash, type Route } from '../route.js';
import { isFormKey, LightElement } from './light-element.js';
import './overlay-controls.js';

function describeIntensity(row: ManifestRow): string {
  const t = row.intensity;
  if (t.kind === 'window') return `window level ${t.level}, width ${t.width}`;
  if (t.kind === 'percentile') return `percentiles ${t.low}–${t.high}${t.perChannel ? ' per channel' : ''}`;
  if (t.kind === 'percentile-volume') return `volume percentiles ${t.low}–${t.high} (values ${t.lowValue}–${t.highValue})`;
  return '8-bit RGB as stored';
}

/** One sample: image, mask and overlay side by side, its manifest row and bounding box. */
export class SampleView extends LightElement {
  static override properties = { summary: { attribute: false }, name: {}, split: {}, per: { type: Number } };
  declare summary: TaskSummary;
  declare name: string;
  declare split: SplitFilter;
  declare per: number;
  private detail?: SampleDetail;
  private pixels?: { image: ImageData; mask: ImageData };
  private error?: string;
  private abort?: AbortController;
  private unsubscribe?: () => void;
  private readonly onKey = (e: KeyboardEvent) => {
    if (isFormKey(e)) return;
    // Until the sample named in the URL has loaded, its neighbours are unknown.
    const position = this.detail?.name === this.name ? this.detail.position : undefined;
    if ((e.key === 'ArrowRight' || e.key === 'j') && position?.next) this.go(position.next);
    else if ((e.key === 'ArrowLeft' || e.key === 'k') && position?.previous) this.go(position.previous);
    else if (e.key === 'Escape' || e.key === 'g') navigate(this.gridRoute());
    else if (e.key === 'm') overlay.set({ show: !overlay.get().show });
    else if (e.key === 'o') overlay.set({ mode: overlay.get().mode === 'fill' ? 'outline' : 'fill' });
    else return;
    e.preventDefault();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    this.unsubscribe = overlay.subscribe(() => this.draw());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    this.unsubscribe?.();
    this.abort?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('summary') || changed.has('name') || changed.has('split')) void this.load();
  }

  private go(name: string): void {
    navigate({ view: 'sample', task: this.summary.id, name, split: this.detail?.position.filter ?? this.split, per: this.per });
  }

  private gridRoute(): Route {
    const position = this.detail?.position;
    const page = position ? Math.floor(position.index / this.per) + 1 : 1;
    return { view: 'grid', task: this.summary.id, split: position?.filter ?? this.split, page, per: this.per };
  }

  private async load(): Promise<void> {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    const task = this.summary.id;
    try {
      const [detail, image, mask] = await Promise.all([
        api.sample(task, this.name, this.split, abort.signal),
        loadPixels(api.fileUrl(task, 'image', this.name), abort.signal),
        loadPixels(api.fileUrl(task, 'mask', this.name), abort.signal),
      ]);
      if (abort.signal.aborted) return;
      this.detail = detail;
      this.pixels = { image, mask };
      this.error = undefined;
    } catch (e) {
      if (abort.signal.aborted) return;
      this.detail = undefined;
      this.pixels = undefined;
      this.error = `Cannot show ${this.name}: ${(e as Error).message}`;
    }
    this.requestUpdate();
    await this.updateComplete;
    this.draw();
  }

  private draw(): void {
    if (!this.pixels) return;
    const { image, mask } = this.pixels;
    const paint = (panel: string, data: ImageData) => {
      const canvas = this.querySelector<HTMLCanvasElement>(`canvas[data-panel="${panel}"]`);
      if (!canvas) return;
      canvas.width = data.width;
      canvas.height = data.height;
      canvas.getContext('2d')!.putImageData(data, 0, 0);
    };
    paint('image', image);
    paint('mask', binaryMask(mask));
    paint('overlay', composite(image, mask, overlay.get()));
  }

  private bboxLayer() {
    const d = this.detail;
    if (!d?.bbox || !overlay.get().show) return '';
    const [x0, y0, x1, y1] = d.bbox;
    return html`<svg class="bbox-layer" viewBox="0 0 ${d.width} ${d.height}" preserveAspectRatio="none" aria-hidden="true">
      ${svg`<rect x=${x0} y=${y0} width=${x1 - x0 + 1} height=${y1 - y0 + 1} vector-effect="non-scaling-stroke"></rect>`}
    </svg>`;
  }

  private manifestTable() {
    const row = this.detail?.manifest;
    if (!row) return html`<p class="note">No manifest row (the tree has no manifest.jsonl, or it does not list this sample).</p>`;
    const entries: [string, unknown][] = [
      ['source', row.source],
      ['raw file', html`${row.raw.map((f) => html`<div class="path">${f}</div>`)}`],
      ['group', row.group],
      ['slice', row.slice ? `${row.slice.index} along ${row.slice.axis}` : '— (2D image)'],
      ['original size', `${row.original.width} × ${row.original.height}`],
      ['spacing', row.spacing ? row.spacing.join(' × ') : '—'],
      ['intensity', describeIntensity(row)],
      ['window', row.window ? `level ${row.window.level}, width ${row.window.width}` : '—'],
      ['resize', `${row.resize.mode} to ${row.resize.size} (content ${row.resize.content.width} × ${row.resize.content.height})`],
      ['annotation', row.annotation],
      ['sha256 image', html`<span class="hash">${row.sha256.image}</span>`],
      ['sha256 mask', html`<span class="hash">${row.sha256.mask}</span>`],
      ...Object.entries(row.meta).map(([k, v]): [string, unknown] => [k, String(v)]),
    ];
    return html`<table class="kv manifest">
      ${entries.map(
        ([k, v]) =>
          html`<tr>
            <th>${k}</th>
            <td>${v}</td>
          </tr>`,
      )}
    </table>`;
  }

  override render() {
    const s = this.summary;
    const d = this.detail;
    const p = d?.position;
    const sampleHref = (name: string | undefined) =>
      name ? routeHash({ view: 'sample', task: s.id, name, split: p!.filter, per: this.per }) : undefined;
    const bbox = d?.bbox;
    const area = d ? d.width * d.height : 0;
    return html`<nav class="crumbs">
        <a href="#/">Tasks</a> / <a href=${routeHash(this.gridRoute())}>${s.id}</a> / <span>${this.name}</span>
      </nav>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      <div class="sample-head">
        <h1>${this.name}</h1>
        ${d ? html`<span class="badge split-${d.split}">${d.split}</span>` : ''}
        <span class="position"
          >${p ? `${(p.index + 1).toLocaleString('en')} of ${p.total.toLocaleString('en')} in ${p.filter === 'all' ? 'all splits' : p.filter}` : ''}</span
        >
        <span class="spacer"></span>
        <a class="button" data-nav="previous" href=${ifDefined(sampleHref(p?.previous))} title="← or k">‹ previous</a>
        <a class="button" data-nav="next" href=${ifDefined(sampleHref(p?.next))} title="→ or j">next ›</a>
      </div>
      <div class="toolbar">
        <mb-overlay-controls></mb-overlay-controls>
        <span class="muted keys">keys: ← → samples · Esc grid · m mask · o outline</span>
      </div>
      <div class="panels">
        <figure>
          <canvas data-panel="image"></canvas>
          <figcaption>image${d ? ` · ${d.width} × ${d.height}` : ''}</figcaption>
        </figure>
        <figure>
          <canvas data-panel="mask"></canvas>
          <figcaption>mask</figcaption>
        </figure>
        <figure>
          <div class="stack"><canvas data-panel="overlay"></canvas>${this.bboxLayer()}</div>
          <figcaption>overlay${bbox ? ' with bounding box' : ''}</figcaption>
        </figure>
      </div>
      ${
        d
          ? html`<section class="details">
              <h2>Mask</h2>
              <table class="kv">
                <tr>
                  <th>bounding box</th>
                  <td class="bbox">
                    ${bbox ? `x ${bbox[0]}–${bbox[2]}, y ${bbox[1]}–${bbox[3]} (${bbox[2] - bbox[0] + 1} × ${bbox[3] - bbox[1] + 1})` : 'none (empty mask)'}
                  </td>
                </tr>
                <tr>
                  <th>foreground</th>
                  <td>${d.foreground.toLocaleString('en')} px (${area ? ((100 * d.foreground) / area).toFixed(2) : 0}%)</td>
                </tr>
                <tr>
                  <th>measured by</th>
                  <td>${d.bboxFrom === 'manifest' ? 'the manifest' : 'reading the mask (no manifest row)'}</td>
                </tr>
              </table>
              <h2>Manifest row</h2>
              ${this.manifestTable()}
            </section>`
          : ''
      }`;
  }
}

customElements.define('mb-sample-view', SampleView);
