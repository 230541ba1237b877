// Types of scripts/browsers.mjs, for the TypeScript that imports it.
import type { LaunchOptions } from 'puppeteer-core';

export type BrowserName = 'chromium' | 'firefox';
export const BROWSER_NAMES: BrowserName[];
export const FIREFOX_WEBGPU_PREFS: Record<string, boolean>;
export function browserExecutable(name: BrowserName, env?: Record<string, string | undefined>): string;
export function browserTitle(name: BrowserName): string;
export function missingBrowser(name: BrowserName, path: string): string;
export function firefoxEnvironment(
  env?: Record<string, string | undefined>, listIcds?: () => string[], exists?: (path: string) => boolean,
): Record<string, string | undefined>;
export function launchOptions(
  name: BrowserName,
  opts?: { webgpu?: boolean; args?: string[]; prefs?: Record<string, unknown>; protocolTimeout?: number },
): LaunchOptions;
