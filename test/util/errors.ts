// The message a call throws, for tests of one-line errors.
import { expect } from 'vitest';

/** The message `fn` throws; fails the test when it does not throw or the message spans lines. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const m = (e as Error).message;
    expect(m.includes('\n'), `multi-line message: ${m}`).toBe(false);
    return m;
  }
  throw new Error('expected an error, none was thrown');
}

/** The message `fn` throws or rejects with (sync or async); fails when there is none or it spans lines. */
export async function asyncMessageOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    const m = (e as Error).message;
    expect(m.includes('\n'), `multi-line message: ${m}`).toBe(false);
    return m;
  }
  throw new Error('expected an error, none was thrown');
}
