/**
 * The part of vitest's API the GPU test files use, for running them unchanged in a browser page
 * (test/browser/harness.ts bundles each file with this module in place of `vitest`):
 * describe / it / test (with `.skip` and `.skipIf`), the four hooks, a test's `ctx.skip()`, and
 * vitest's own `expect` (the matchers of @vitest/expect on chai, as vitest builds it). Importing
 * a bundled file collects its tests; `run()` runs them in order, as vitest does within a file,
 * and returns one result per test.
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT, chai, getState, JestAsymmetricMatchers, JestChaiExpect, JestExtend, setState,
} from '@vitest/expect';
import type { ExpectStatic } from 'vitest';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

/** vitest's `expect`: the same matchers and messages, without vitest's runner state. */
export const expect = ((value: unknown, message?: string) => {
  const { assertionCalls } = getState(expect);
  setState({ assertionCalls: assertionCalls + 1 }, expect);
  return chai.expect(value, message);
}) as unknown as ExpectStatic;
Object.assign(expect, chai.expect);
Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
setState({ assertionCalls: 0, isExpectingAssertions: false, isExpectingAssertionsError: null, expectedAssertionsNumber: null, expectedAssertionsNumberErrorGen: null }, expect);
(expect as unknown as { extend: (m: unknown) => void }).extend = (matchers: unknown) => (chai.expect as unknown as { extend: (e: unknown, m: unknown) => void }).extend(expect, matchers);

type Body = (ctx: TestContext) => unknown;
type Hook = () => unknown;

/** What a test body receives: `skip()` ends it as skipped. */
export interface TestContext {
  skip(note?: string): never;
  task: { name: string };
}

/** One test's outcome, as the harness reports it. */
export interface TestResult {
  name: string;
  state: 'pass' | 'fail' | 'skip';
  ms: number;
  error?: string;
}

interface Suite {
  name: string;
  items: (Suite | Test)[];
  beforeAll: Hook[];
  afterAll: Hook[];
  beforeEach: Hook[];
  afterEach: Hook[];
  skip: boolean;
}

interface Test {
  name: string;
  body: Body;
  timeout: number;
  skip: boolean;
}

/** vitest.config.ts's testTimeout. */
const DEFAULT_TIMEOUT_MS = 120_000;

const root: Suite = suite('', false);
let current = root;
let running = false;

function suite(name: string, skip: boolean): Suite {
  return { name, items: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], skip };
}

class Skipped extends Error {}

function addSuite(name: string, fn: () => void, skip: boolean): void {
  const s = suite(name, skip || current.skip);
  current.items.push(s);
  const parent = current;
  current = s;
  try {
    fn();
  } finally {
    current = parent;
  }
}

function addTest(name: string, a?: Body | number | { timeout?: number }, b?: Body | number, skip = false): void {
  const body = (typeof a === 'function' ? a : b) as Body | undefined;
  const options = typeof a === 'object' ? a : {};
  const timeout = typeof b === 'number' ? b : typeof a === 'number' ? a : options.timeout ?? DEFAULT_TIMEOUT_MS;
  if (running) throw new Error(`it('${name}'): tests must be declared while the file is collected, not inside another test`);
  current.items.push({ name, body: body ?? (() => undefined), timeout, skip: skip || current.skip || !body });
}

/** vitest's `describe`. */
export const describe = Object.assign((name: string, fn: () => void) => addSuite(name, fn, false), {
  skip: (name: string, fn: () => void) => addSuite(name, fn, true),
  skipIf: (cond: unknown) => (name: string, fn: () => void) => addSuite(name, fn, Boolean(cond)),
});

/** vitest's `it` (and `test`). */
export const it = Object.assign((name: string, a?: Body | number | { timeout?: number }, b?: Body | number) => addTest(name, a, b), {
  skip: (name: string, a?: Body, b?: number) => addTest(name, a, b, true),
  skipIf: (cond: unknown) => (name: string, a?: Body, b?: number) => addTest(name, a, b, Boolean(cond)),
});
export const test = it;

/** Hooks declared while a test runs (a helper's lazy `afterAll`) belong to the file, as in vitest. */
const hookSuite = () => (running ? root : current);
export const beforeAll = (fn: Hook) => void hookSuite().beforeAll.push(fn);
export const afterAll = (fn: Hook) => void hookSuite().afterAll.push(fn);
export const beforeEach = (fn: Hook) => void hookSuite().beforeEach.push(fn);
export const afterEach = (fn: Hook) => void hookSuite().afterEach.push(fn);

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    // The first stack frames of the bundle say where, as vitest's report would.
    const where = (e.stack ?? '').split('\n').filter((l) => l.includes('.js:')).slice(0, 3).join(' | ');
    return `${e.message}${where ? ` (at ${where})` : ''}`;
  }
  return String(e);
}

/**
 * Runs the collected tests in declaration order: hooks as vitest orders them, each test under
 * its timeout; a failed beforeAll fails the suite's tests. `onResult` hears each result as it comes.
 */
export async function run(onResult: (r: TestResult) => void = () => undefined): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const report = (r: TestResult) => {
    results.push(r);
    onResult(r);
  };
  running = true;
  const walk = async (s: Suite, path: string[], beforeEach: Hook[], afterEach: Hook[]): Promise<void> => {
    const here = s.name ? [...path, s.name] : path;
    let setupError: string | null = null;
    if (!s.skip) {
      try {
        for (const h of s.beforeAll) await within(Promise.resolve(h()), DEFAULT_TIMEOUT_MS, `beforeAll of '${here.join(' > ')}'`);
      } catch (e) {
        setupError = `beforeAll failed: ${errorText(e)}`;
      }
    }
    // Outer beforeEach hooks first; afterEach hooks inner first.
    const before = [...beforeEach, ...s.beforeEach];
    const after = [...s.afterEach, ...afterEach];
    for (const item of s.items) {
      if ('items' in item) {
        await walk(item, here, before, after);
        continue;
      }
      const name = [...here, item.name].join(' > ');
      if (item.skip) {
        report({ name, state: 'skip', ms: 0, error: 'skipped in the source' });
        continue;
      }
      if (setupError) {
        report({ name, state: 'fail', ms: 0, error: setupError });
        continue;
      }
      const t0 = performance.now();
      const ctx: TestContext = {
        skip: (note?: string) => {
          throw new Skipped(note ?? 'ctx.skip()');
        },
        task: { name: item.name },
      };
      try {
        setState({ assertionCalls: 0, currentTestName: name }, expect);
        for (const h of before) await h();
        await within(Promise.resolve(item.body(ctx)), item.timeout, `'${name}'`);
        report({ name, state: 'pass', ms: performance.now() - t0 });
      } catch (e) {
        if (e instanceof Skipped) report({ name, state: 'skip', ms: performance.now() - t0, error: e.message });
        else report({ name, state: 'fail', ms: performance.now() - t0, error: errorText(e) });
      } finally {
        for (const h of after) await Promise.resolve(h()).catch((e: unknown) => report({ name: `${name} (afterEach)`, state: 'fail', ms: 0, error: errorText(e) }));
      }
    }
    // afterAll hooks run last-declared first, as vitest's default order does.
    for (const h of [...s.afterAll].reverse()) {
      await within(Promise.resolve(h()), DEFAULT_TIMEOUT_MS, 'afterAll').catch((e: unknown) =>
        report({ name: `${here.join(' > ') || 'file'} (afterAll)`, state: 'fail', ms: 0, error: errorText(e) }));
    }
  };
  await walk(root, [], [], []);
  running = false;
  return results;
}
