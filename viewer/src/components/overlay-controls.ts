import { html } from 'lit';
import { LightElement } from './light-element.js';
import { overlay, type OverlaySettings } from '../overlay.js';

/** Mask toggle, opacity and fill/outline: edits the shared overlay settings. */
export class OverlayControls extends LightElement {
  private unsubscribe?: () => void;

  override connectedCallback(): void {
    super.connectedCallback();
    this.unsubscribe = overlay.subscribe(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
  }

  override render() {
    const s = overlay.get();
    return html`<div class="overlay-controls" role="group" aria-label="mask overlay">
      <label title="m"
        ><input
          type="checkbox"
          name="show-mask"
          .checked=${s.show}
          @change=${(e: Event) => overlay.set({ show: (e.target as HTMLInputElement).checked })}
        />
        mask</label
      >
      <label
        >opacity
        <input
          type="range"
          name="opacity"
          min="0"
          max="1"
          step="0.05"
          .value=${String(s.opacity)}
          ?disabled=${!s.show}
          @input=${(e: Event) => overlay.set({ opacity: Number((e.target as HTMLInputElement).value) })}
        />
        <output>${Math.round(s.opacity * 100)}%</output></label
      >
      <label title="o"
        >style
        <select
          name="mode"
          ?disabled=${!s.show}
          @change=${(e: Event) => overlay.set({ mode: (e.target as HTMLSelectElement).value as OverlaySettings['mode'] })}
        >
          <option value="fill" .selected=${s.mode === 'fill'}>fill</option>
          <option value="outline" .selected=${s.mode === 'outline'}>outline</option>
        </select></label
      >
    </div>`;
  }
}

customElements.define('mb-overlay-controls', OverlayControls);
