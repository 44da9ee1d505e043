import { html, type PropertyValues } from 'lit';
import { api, loadPixels } from '../api.js';
import { composite, overlay } from '../overlay.js';
import { LightElement } from './light-element.js';

/** One sample as a small canvas: the server's image and mask thumbnails, composited in the page. */
export class SampleThumb extends LightElement {
  static override properties = { task: {}, name: {}, size: { type: Number } };
  declare task: string;
  declare name: string;
  declare size: number;
  private pixels?: { image: ImageData; mask: ImageData };
  private failed = false;
  private abort?: AbortController;
  private unsubscribe?: () => void;

  constructor() {
    super();
    this.size = 192;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = overlay.subscribe(() => this.draw());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.abort?.abort();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('task') || changed.has('name') || changed.has('size')) void this.load();
  }

  private async load(): Promise<void> {
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    this.pixels = undefined;
    this.failed = false;
    try {
      const [image, mask] = await Promise.all([
        loadPixels(api.thumbUrl(this.task, 'image', this.name, this.size), abort.signal),
        loadPixels(api.thumbUrl(this.task, 'mask', this.name, this.size), abort.signal),
      ]);
      if (abort.signal.aborted) return;
      this.pixels = { image, mask };
    } catch {
      if (abort.signal.aborted) return;
      this.failed = true;
    }
    this.requestUpdate();
    await this.updateComplete;
    this.draw();
  }

  private draw(): void {
    const canvas = this.querySelector('canvas');
    if (!canvas || !this.pixels) return;
    canvas.width = this.pixels.image.width;
    canvas.height = this.pixels.image.height;
    canvas.getContext('2d')!.putImageData(composite(this.pixels.image, this.pixels.mask, overlay.get()), 0, 0);
  }

  override render() {
    if (this.failed) return html`<div class="thumb-missing" style="--size:${this.size}px">unreadable</div>`;
    return html`<canvas class="thumb ${this.pixels ? '' : 'loading'}" style="--size:${this.size}px" data-sample=${this.name}></canvas>`;
  }
}

customElements.define('mb-thumb', SampleThumb);
