/**
 * `export-data`: a data set's train / test split as files another tool reads and `--data DIR`
 * reads back (src/data/export_any.ts): the four IDX files for 8-bit images (several channels as
 * 4-dimensional IDX), .npy for anything else. PyTorch (examples/pytorch) then trains and tests
 * on exactly the rows this runtime does.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exportFiles } from '../data/export_any.js';
import { writeFileAtomic } from '../node/atomic.js';
import { parseFlags, required, settingFlag, UsageError } from './args.js';
import { DATA_OPTIONS, dataFlags, readData } from './data.js';

/**
 * `export-data --out DIR [--data PATH] [--gzip]`: writes the split of the embedded digits
 * (8,000 / 2,000) or of `--data` (any format; one set split 80 / 20 by `--seed`) into DIR, each
 * file atomically, in the data's own units (no scaling). Files already there are not overwritten.
 */
export async function exportDataCommand(args: string[]): Promise<void> {
  const f = parseFlags('export-data', args, { out: { type: 'string' }, ...DATA_OPTIONS, gzip: { type: 'boolean' }, seed: { type: 'string' } });
  const out = required('out', f.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out}: not a folder`);
  const d = dataFlags(f);
  if (d.split === 'all') throw new UsageError('export-data writes a train / test split; --split all has no training part');
  const seed = settingFlag('seed', 'seed', f.seed, 1);
  const data = await readData(d, { seed });
  const files = await exportFiles(data.train!, data.test, { gzip: f.gzip ?? false });
  for (const file of files) {
    const path = join(out, file.name);
    if (existsSync(path)) throw new Error(`${path} exists: export into an empty folder (nothing was written)`);
  }
  process.stderr.write(`${data.notice}\n`);
  mkdirSync(out, { recursive: true });
  for (const file of files) writeFileAtomic(join(out, file.name), file.bytes);
  const what = data.test.shape?.length === 1 ? 'rows' : 'images';
  process.stdout.write(`wrote ${files.map((x) => x.name).join(', ')} to ${out}: ${data.train!.count} training and ${data.test.count} test ${what} (${data.train!.name} / ${data.test.name})\n`);
}
