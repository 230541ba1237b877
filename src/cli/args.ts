/**
 * Flag parsing shared by the CLI commands (node:util parseArgs) with one-line errors.
 */
import { parseArgs } from 'node:util';
import { ConfigError, parseCorruption, parseSetting, type Corruption, type SettingName, type SettingValue } from '../config.js';

/** A mistake in how the command was called: exit code 2 and a pointer to --help. */
export class UsageError extends Error {}

type Spec = Record<string, { type: 'string' | 'boolean' }>;

/** Parses `args` strictly against `options`; no positional arguments are accepted. */
export function parseFlags<S extends Spec>(command: string, args: string[], options: S) {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument '${positionals[0]}'`);
    return values as { [K in keyof S]?: S[K]['type'] extends 'boolean' ? boolean : string };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${command}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * A setting from a flag (`--flag`), checked against the one table of limits (src/config.ts) with
 * its wording; the default when the flag is absent. A bad value is a UsageError.
 */
export function settingFlag<K extends SettingName>(setting: K, flag: string, v: string | undefined, dflt: SettingValue<K>): SettingValue<K> {
  if (v === undefined) return dflt;
  try {
    return parseSetting(setting, v, `--${flag}`);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** `--corrupt SPEC` (mask:P, gauss:S, saltpepper:P or none), or null when absent; a bad spec is a UsageError. */
export function corruptFlag(v: string | undefined): Corruption | null {
  if (v === undefined) return null;
  try {
    return parseCorruption(v, '--corrupt');
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** A whole number >= min from a flag, or the default. */
export function intFlag(name: string, v: string | undefined, dflt: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${v}'`);
  }
  return Number(v);
}

/** A required string flag. */
export function required(name: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}
