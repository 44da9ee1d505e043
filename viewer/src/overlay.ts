/**
 * How masks are drawn over images: shown or hidden, opacity, filled or outlined. One setting
 * shared by every view and remembered across visits; compositing is done on the pixels so the
 * result is exact (the mask colour at opacity 1, the untouched image outside the mask).
 */
export interface OverlaySettings {
  show: boolean;
  opacity: number;
  mode: 'fill' | 'outline';
}

/** A green that stands out on grey, skin, fundus and endoscopy images. */
export const MASK_COLOUR = [0, 255, 128] as const;

const STORAGE_KEY = 'medbank-view-overlay';
const DEFAULTS: OverlaySettings = { show: true, opacity: 0.5, mode: 'fill' };

function load(): OverlaySettings {
  try {
    return { ...DEFAULTS, ...(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<OverlaySettings>) };
  } catch {
    return { ...DEFAULTS };
  }
}

let current = load();
const listeners = new Set<(s: OverlaySettings) => void>();

export const overlay = {
  get: (): OverlaySettings => current,
  set(change: Partial<OverlaySettings>): void {
    current = { ...current, ...change };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(current));
    for (const listener of listeners) listener(current);
  },
  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (s: OverlaySettings) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** The image with the mask (any non-zero value of its first channel) blended in. Sizes must match. */
export function composite(image: ImageData, mask: ImageData, settings: OverlaySettings): ImageData {
  const { width, height } = image;
  const out = new ImageData(new Uint8ClampedArray(image.data), width, height);
  if (!settings.show || mask.width !== width || mask.height !== height) return out;
  const m = mask.data;
  const fg = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && m[(y * width + x) * 4] > 0;
  const a = settings.opacity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!fg(x, y)) continue;
      if (settings.mode === 'outline' && fg(x - 1, y) && fg(x + 1, y) && fg(x, y - 1) && fg(x, y + 1)) continue;
      const i = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) out.data[i + c] = Math.round(image.data[i + c] * (1 - a) + MASK_COLOUR[c] * a);
    }
  }
  return out;
}

/** The mask as white on black (any non-zero value is foreground, so class-index masks show too). */
export function binaryMask(mask: ImageData): ImageData {
  const out = new ImageData(mask.width, mask.height);
  for (let i = 0; i < mask.data.length; i += 4) {
    const v = mask.data[i] > 0 ? 255 : 0;
    out.data[i] = out.data[i + 1] = out.data[i + 2] = v;
    out.data[i + 3] = 255;
  }
  return out;
}
