/**
 * Flag parsing shared by the CLI commands (node:util parseArgs) with one-line errors.
 */
import { parseArgs } from 'node:util';

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

/** A whole number >= min from a flag, or the default. */
export function intFlag(name: string, v: string | undefined, dflt: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${v}'`);
  }
  return Number(v);
}

/** A finite number > 0 from a flag, or the default. */
export function positiveFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a number > 0, got '${v}'`);
  return n;
}

/** A finite number >= 0 from a flag, or the default. */
export function nonNegativeFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number >= 0, got '${v}'`);
  return n;
}

/** A required string flag. */
export function required(name: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}
