// Types of scripts/serve_process.mjs, for the TypeScript that imports it.
import type { ChildProcess } from 'node:child_process';

export function startServer(): { url: Promise<string>; child: ChildProcess };
