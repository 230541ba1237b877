/** The Python that has PyTorch (PYTHON overrides /usr/bin/python3). */
export const PYTHON: string;
/** Runs bench/pytorch/<script> with `args` and `--split FILE` (holding `split`); resolves to its JSON lines. */
export function runPythonScript(root: string, script: string, args: string[], split: string, timeoutMs?: number): Promise<Record<string, unknown>[]>;
/** CPU seconds of process `pid` and its descendants (Linux /proc), or null. */
export function processTreeCpuSeconds(pid: number): number | null;
