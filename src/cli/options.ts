/** Parsers for command-line option values: every bad value is a UsageError naming the option. */
import { UsageError } from '../errors.js';
import { DEFAULT_MAX_VOLUME_BYTES, type InputLimits } from '../io/input-limits.js';

export function intOption(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

export function shareOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${name} must be a share from 0 to 1, got "${value}"`);
    return n;
  };
}

export function choiceOption<T extends string>(name: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value))
      throw new UsageError(`${name} must be one of ${choices.join(', ')}, got "${value}"`);
    return value as T;
  };
}

export function listOption(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** `--source-option key=value`, repeatable. */
export function keyValueOption(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--source-option expects key=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1).trim() };
}

/** `--max-pixels` and `--max-volume-mib`: the header bounds of input-limits.ts, shared by the commands that read raw files. */
export function limitOptions(o: { maxPixels: number; maxVolumeMib?: number }): InputLimits {
  return { maxPixels: o.maxPixels, maxVolumeBytes: (o.maxVolumeMib ?? DEFAULT_MAX_VOLUME_BYTES / MIB) * MIB };
}

const MIB = 1024 * 1024;
export const DEFAULT_MAX_VOLUME_MIB = DEFAULT_MAX_VOLUME_BYTES / MIB;
