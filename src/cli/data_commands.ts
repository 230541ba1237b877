/**
 * `export-data`: the training data as the four standard IDX files, so PyTorch (examples/pytorch)
 * or any other tool trains and tests on exactly the digits this runtime does.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { splitToIdxFiles } from '../data/export.js';
import { loadData } from '../node/data.js';
import { writeFileAtomic } from '../node/atomic.js';
import { parseFlags, required, UsageError } from './args.js';

/**
 * `export-data --out DIR [--data DIR] [--gzip]`: writes train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (`.gz` with
 * --gzip) of the embedded digits' 8,000 / 2,000 split (or of --data) into DIR, each atomically.
 * Files already there are not overwritten.
 */
export async function exportDataCommand(args: string[]): Promise<void> {
  const f = parseFlags('export-data', args, { out: { type: 'string' }, data: { type: 'string' }, gzip: { type: 'boolean' } });
  const out = required('out', f.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out}: not a folder`);
  const data = await loadData(f.data);
  const files = await splitToIdxFiles(data, { gzip: f.gzip ?? false });
  for (const file of files) {
    const path = join(out, file.name);
    if (existsSync(path)) throw new Error(`${path} exists: export into an empty folder (nothing was written)`);
  }
  mkdirSync(out, { recursive: true });
  for (const file of files) writeFileAtomic(join(out, file.name), file.bytes);
  process.stdout.write(`wrote ${files.map((x) => x.name).join(', ')} to ${out}: ${data.train.count} training and ${data.test.count} test images (${data.train.name} / ${data.test.name})\n`);
}
