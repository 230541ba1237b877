/**
 * Flag parsing shared by the CLI commands (node:util parseArgs) with one-line errors.
 */
import { parseArgs } from 'node:util';
import { ConfigError, parseSetting, SETTINGS, settingName, type SettingName, type SettingValue } from '../settings.js';

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
 * A setting from a flag (`--flag`), checked against the one table of settings (src/settings.ts) with
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

/** parseArgs options for the flags of `settings` (each `--name VALUE`, or `--name` alone for a flag rule; named by the table: settingName). */
export function settingOptions(settings: readonly SettingName[]): Record<string, { type: 'string' | 'boolean' }> {
  return Object.fromEntries(settings.map((k) => [settingName(k), { type: SETTINGS[k].kind === 'flag' ? 'boolean' as const : 'string' as const }]));
}

/** The values of `settings` from parsed flags (keyed by flag name), each checked by the table, or its default. */
export function settingValues<K extends SettingName>(settings: readonly K[], flags: Record<string, unknown>, defaults: { [P in K]: SettingValue<P> }): { [P in K]: SettingValue<P> } {
  const out = {} as { [P in K]: SettingValue<P> };
  for (const k of settings) {
    const name = settingName(k);
    const v = flags[name];
    out[k] = typeof v === 'boolean' ? (v as SettingValue<K>) : settingFlag(k, name, v as string | undefined, defaults[k]);
  }
  return out;
}

/** The flags among `settings` that were given, as `--name`. */
export function givenFlags(settings: readonly SettingName[], flags: Record<string, unknown>): string[] {
  return settings.map(settingName).filter((n) => flags[n] !== undefined).map((n) => `--${n}`);
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
