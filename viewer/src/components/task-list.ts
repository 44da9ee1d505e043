import { html } from 'lit';
import type { TreeSummary } from '../api.js';
import { DEFAULT_PAGE_SIZE, routeHash } from '../route.js';
import { LightElement } from './light-element.js';
import './thumb.js';

const dash = (v: string | undefined) => v ?? '—';

/** Every task of the tree: metadata, counts per split, a thumbnail with its mask. */
export class TaskList extends LightElement {
  static override properties = { tree: { attribute: false } };
  declare tree: TreeSummary;

  override render() {
    const t = this.tree;
    const notes = [
      t.hasRecord ? '' : 'no medbank.json: modality, anatomy and license are unknown',
      t.hasManifest ? '' : 'no manifest.jsonl: bounding boxes are measured from the masks',
    ].filter(Boolean);
    const total = t.tasks.reduce((n, task) => n + task.counts.total, 0);
    return html`<h1>${t.tasks.length} tasks · ${total.toLocaleString('en')} samples</h1>
      ${notes.map((n) => html`<p class="note">${n}</p>`)}
      ${t.tasks.length === 0 ? html`<p class="muted">No task folder (with images/ or image/) in this tree.</p>` : ''}
      <table class="tasks">
        <thead>
          <tr>
            <th></th>
            <th>task</th>
            <th>source</th>
            <th>modality</th>
            <th>anatomy</th>
            <th>license</th>
            <th class="num">train</th>
            <th class="num">val</th>
            <th class="num">test</th>
            <th class="num">total</th>
          </tr>
        </thead>
        <tbody>
          ${t.tasks.map((task) => {
            const href = routeHash({ view: 'grid', task: task.id, split: 'all', page: 1, per: DEFAULT_PAGE_SIZE });
            return html`<tr data-task=${task.id}>
              <td>
                ${
                  task.cover
                    ? html`<a href=${href} tabindex="-1"><mb-thumb .task=${task.id} .name=${task.cover} .size=${96}></mb-thumb></a>`
                    : ''
                }
              </td>
              <td>
                <a class="task-name" href=${href}>${task.id}</a>${task.layout === 'samed2' ? html` <span class="badge">samed2</span>` : ''}
              </td>
              <td>${dash(task.source)}</td>
              <td>${dash(task.modality)}</td>
              <td>${dash(task.anatomy)}</td>
              <td>${dash(task.license)}</td>
              <td class="num">${task.counts.train.toLocaleString('en')}</td>
              <td class="num">${task.counts.val.toLocaleString('en')}</td>
              <td class="num">${task.counts.test.toLocaleString('en')}</td>
              <td class="num">${task.counts.total.toLocaleString('en')}</td>
            </tr>`;
          })}
        </tbody>
      </table>`;
  }
}

customElements.define('mb-task-list', TaskList);
