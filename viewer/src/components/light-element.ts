import { LitElement } from 'lit';

/** Components render into the light DOM so the one global stylesheet applies to all of them. */
export class LightElement extends LitElement {
  override createRenderRoot(): HTMLElement {
    return this;
  }
}

/** True when a key press belongs to a form control (typing, moving a slider), not to navigation. */
export function isFormKey(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  return event.altKey || event.ctrlKey || event.metaKey || Boolean(target?.closest('input, select, textarea'));
}
