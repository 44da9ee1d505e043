import { html, type PropertyValues } from 'lit';
import { api, type SamplePage, type SplitFilter } from '../api.js';
import { SPLIT_FILTERS, type TaskSummary } from '../../../src/viewer/api-types.js';
import { PAGE_SIZES, navigate, routeHash, type Route } from '../route.js';
import { isFormKey, LightElement } from './light-element.js';
import './overlay-controls.js';
import './thumb.js';

/** One task's samples, a page at a time (the server slices the split lists), masks overlaid. */
export class TaskGrid extends LightElement {
  static override properties = { summary: { attribute: false }, split: {}, page: { type: Number }, per: { type: Number } };
  declare summary: TaskSummary;
  declare split: SplitFilter;
  declare page: number;
  declare per: number;
  private data?: SamplePage;
  private error?: string;
  private abort?: AbortController;
  private readonly onKey = (e: KeyboardEvent) => {
    if (isFormKey(e)) return;
    if (e.key === 'ArrowRight' || e.key === 'n') this.goToPage(this.page + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'p') this.goToPage(this.page - 1);
    else return;
    e.preventDefault();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    this.abort?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('summary') || changed.has('split') || changed.has('page') || changed.has('per')) void this.load();
  }

  private get pages(): number {
    return Math.max(1, Math.ceil((this.data?.total ?? 0) / this.per));
  }

  private route(change: Partial<Extract<Route, { view: 'grid' }>>): Route {
    return { view: 'grid', task: this.summary.id, split: this.split, page: this.page, per: this.per, ...change };
  }

  private goToPage(page: number): void {
    if (!this.data || page < 1 || page > this.pages || page === this.page) return;
    navigate(this.route({ page }));
  }

  private async load(): Promise<void> {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    try {
      const data = await api.page(this.summary.id, this.split, (this.page - 1) * this.per, this.per, abort.signal);
      if (abort.signal.aborted) return;
      if (data.total > 0 && data.items.length === 0) {
        // A deep link past the end (the tree shrank, or a hand-edited URL): show the last page.
        location.replace(routeHash(this.route({ page: Math.ceil(data.total / this.per) })));
        return;
      }
      this.data = data;
      this.error = undefined;
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = (e as Error).message;
    }
    this.requestUpdate();
  }

  override render() {
    const s = this.summary;
    const d = this.data;
    const count = (f: SplitFilter) => (f === 'all' ? s.counts.total : s.counts[f]);
    const first = d && d.total ? d.offset + 1 : 0;
    const last = d ? d.offset + d.items.length : 0;
    const pager = html`<div class="pager">
      <button name="previous-page" ?disabled=${!d || this.page <= 1} @click=${() => this.goToPage(this.page - 1)} title="← or p">
        ‹ previous
      </button>
      <span class="page-status"
        >page ${this.page} of ${this.pages} · ${first.toLocaleString('en')}–${last.toLocaleString('en')} of
        ${(d?.total ?? 0).toLocaleString('en')}</span
      >
      <button name="next-page" ?disabled=${!d || this.page >= this.pages} @click=${() => this.goToPage(this.page + 1)} title="→ or n">
        next ›
      </button>
    </div>`;
    return html`<nav class="crumbs"><a href="#/">Tasks</a> / <span>${s.id}</span></nav>
      <h1>${s.id}</h1>
      <p class="meta">${[s.source, s.modality, s.anatomy, s.license].filter(Boolean).join(' · ')}</p>
      <div class="toolbar">
        <div class="filters" role="group" aria-label="split">
          ${SPLIT_FILTERS.map(
            (f) =>
              html`<a
                class="filter"
                data-split=${f}
                aria-current=${f === this.split ? 'true' : 'false'}
                href=${routeHash(this.route({ split: f, page: 1 }))}
                >${f} <span class="count">${count(f).toLocaleString('en')}</span></a
              >`,
          )}
        </div>
        <label
          >per page
          <select
            name="per-page"
            @change=${(e: Event) => navigate(this.route({ per: Number((e.target as HTMLSelectElement).value), page: 1 }))}
          >
            ${[...new Set([...PAGE_SIZES, this.per])].sort((a, b) => a - b).map((n) => html`<option value=${n} .selected=${n === this.per}>${n}</option>`)}
          </select></label
        >
        <mb-overlay-controls></mb-overlay-controls>
      </div>
      ${pager} ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      ${d && d.total === 0 ? html`<p class="muted">No samples in ${this.split === 'all' ? 'any split' : this.split}.</p>` : ''}
      <ul class="grid">
        ${(d?.items ?? []).map(
          (item) =>
            html`<li>
              <a
                href=${routeHash({ view: 'sample', task: s.id, name: item.name, split: this.split, per: this.per })}
                data-name=${item.name}
              >
                <mb-thumb .task=${s.id} .name=${item.name} .size=${192}></mb-thumb>
                <span class="caption"><span class="split-${item.split}">${item.split}</span> ${item.name}</span>
              </a>
            </li>`,
        )}
      </ul>
      ${d && d.items.length > 12 ? pager : ''}`;
  }
}

customElements.define('mb-task-grid', TaskGrid);
