import { html } from 'lit';
import { api, type TreeSummary } from '../api.js';
import { parseRoute, routeHash, type Route } from '../route.js';
import { LightElement } from './light-element.js';
import './task-list.js';
import './task-grid.js';
import './sample-view.js';
import './stats-view.js';

/** The shell: header, hash router, and the tree summary every page shares. */
export class ViewerApp extends LightElement {
  private route: Route = parseRoute(location.hash);
  private tree?: TreeSummary;
  private error?: string;
  private readonly onHashChange = () => {
    this.route = parseRoute(location.hash);
    if (this.route.view === 'tasks') void this.loadTree();
    this.requestUpdate();
    window.scrollTo(0, 0);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHashChange);
    void this.loadTree();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHashChange);
  }

  private async loadTree(): Promise<void> {
    try {
      this.tree = await api.tree();
      this.error = undefined;
      document.title = `MedBank viewer · ${this.tree.root ?? this.tree.name}`;
    } catch (e) {
      this.error = (e as Error).message;
    }
    this.requestUpdate();
  }

  private page() {
    if (this.error) return html`<p class="error">Cannot read the tree: ${this.error}</p>`;
    if (!this.tree) return html`<p class="muted">Loading…</p>`;
    const r = this.route;
    if (r.view === 'stats') return html`<mb-stats></mb-stats>`;
    if (r.view === 'tasks') return html`<mb-task-list .tree=${this.tree}></mb-task-list>`;
    const summary = this.tree.tasks.find((t) => t.id === r.task);
    if (!summary) return html`<p class="error">No task ${r.task} in this tree. <a href="#/">All tasks</a></p>`;
    if (r.view === 'grid') return html`<mb-task-grid .summary=${summary} .split=${r.split} .page=${r.page} .per=${r.per}></mb-task-grid>`;
    return html`<mb-sample-view .summary=${summary} .name=${r.name} .split=${r.split} .per=${r.per}></mb-sample-view>`;
  }

  override render() {
    const r = this.route;
    const current = (view: Route['view'][]) => (view.includes(r.view) ? 'page' : undefined);
    return html`<header class="top">
        <a class="brand" href="#/">MedBank</a>
        <nav>
          <a href=${routeHash({ view: 'tasks' })} aria-current=${current(['tasks', 'grid', 'sample']) ?? 'false'}>Tasks</a>
          <a href=${routeHash({ view: 'stats' })} aria-current=${current(['stats']) ?? 'false'}>Stats</a>
        </nav>
        <span class="root" title="the tree being viewed (read-only)">${this.tree ? (this.tree.root ?? this.tree.name) : ''}</span>
      </header>
      <main>${this.page()}</main>`;
  }
}

customElements.define('mb-app', ViewerApp);
