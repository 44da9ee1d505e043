/**
 * The one string order of MedBank's outputs: by UTF-16 code units, as JavaScript's `<` compares,
 * so split files, the manifest and reports sort the same on every machine and locale
 * (`localeCompare` would not).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
