/**
 * Which sources a use permits, from each source's catalogued terms. `commercial` keeps only
 * sources whose terms clearly allow commercial use: "no" and "unclear" (academic-use licenses
 * that say nothing either way, mirrors with conflicting terms) are both left out, since a
 * product must not rest on a guess. `noncommercial` keeps every source whose terms allow
 * non-commercial research, which all 17 catalogued licenses do. `any` applies no filter.
 */
import type { SourceInfo } from './types.js';

export type LicenseUse = 'commercial' | 'noncommercial' | 'any';
export const LICENSE_USES: readonly LicenseUse[] = ['commercial', 'noncommercial', 'any'];

export interface LicenseVerdict {
  allowed: boolean;
  /** Why a source is left out, in words a user can act on. */
  reason?: string;
}

export function licenseVerdict(source: SourceInfo, use: LicenseUse): LicenseVerdict {
  if (use !== 'commercial') return { allowed: true };
  const terms = `${source.license.text}${source.license.spdx && source.license.spdx !== source.license.text ? ` (${source.license.spdx})` : ''}`;
  if (source.license.commercial === 'yes') return { allowed: true };
  if (source.license.commercial === 'no') return { allowed: false, reason: `${terms} does not allow commercial use` };
  return { allowed: false, reason: `${terms} does not say that commercial use is allowed` };
}

export interface LicenseSelection<T extends SourceInfo> {
  allowed: T[];
  excluded: { source: T; reason: string }[];
}

export function selectByLicense<T extends SourceInfo>(sources: T[], use: LicenseUse): LicenseSelection<T> {
  const selection: LicenseSelection<T> = { allowed: [], excluded: [] };
  for (const source of sources) {
    const verdict = licenseVerdict(source, use);
    if (verdict.allowed) selection.allowed.push(source);
    else selection.excluded.push({ source, reason: verdict.reason! });
  }
  return selection;
}
