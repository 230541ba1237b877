// The embedding goals (docs/embedding.md, scripts/size.mjs): the library's entries built afresh,
// installed as a package would be (package.json `exports` resolving the subpaths), and the pages
// of scripts/size/ bundled and minified as a third party's bundler does. `npm run size` measures
// the same pages from the packed tarball.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLibrary, exportsMismatch, measurePages, SIZE_GOALS, sizeReport, sourceBreakdown, throwawayProject } from '../../scripts/size.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shaders a minified bundle carries: the `name` of each `.wgsl` import (the included files are named in line maps only). */
const shaderNames = (code: string) => [...new Set([...code.matchAll(/name:"([\w./]+\.wgsl)"/g)].map((m) => m[1]))].sort();

describe('package entries', () => {
  it('package.json exports name exactly the entries the build makes', () => {
    expect(exportsMismatch(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')))).toEqual([]);
  });

  it('an MLP-only page holds the linear kernels and no other layer type, data reader or graph code', async () => {
    const modules = (await sourceBreakdown('mlp_page.js')).map(([f]) => f);
    expect(modules).toEqual(expect.arrayContaining(['src/layers/linear.ts', 'shaders/linear.wgsl', 'src/vae/vae.ts', 'src/data/idx.ts']));
    // Allowed from src/data/: the dataset helpers, the IDX reader the page uses (with its gunzip) and
    // the data options' parsers and metadata keys (the settings table's and the checkpoint's).
    const foreign = modules.filter((f) => /conv2d|gcn|spmm|inner_product|gaussian_logstd|^src\/graph|^src\/views|^src\/data\/(?!dataset|idx\.|gunzip|options)/.test(f));
    expect(foreign).toEqual([]);
  });
});

describe('sizes', () => {
  const work = mkdtempSync(join(tmpdir(), 'webgpu-vae-size-test-'));
  let project = '';
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('meet the goals, from a fresh library build installed as a package', async () => {
    await buildLibrary(join(work, 'dist'));
    project = throwawayProject({ dist: join(work, 'dist') });
    const sizes = await measurePages(project);
    const { text, over } = sizeReport(sizes);
    console.log(text);
    expect(Object.keys(sizes).sort()).toEqual(Object.keys(SIZE_GOALS).sort());
    expect(over, text).toEqual([]);
    // What the installed package gives each page: the MLP page only the image VAE's kernels; the main entry every layer type's.
    expect(shaderNames(sizes['mlp_page.js'].code)).toEqual([
      'adam.wgsl', 'bce_kl.wgsl', 'common/record.wgsl', 'common/step.wgsl', 'corrupt.wgsl', 'gaussian_kl.wgsl', 'iwae.wgsl', 'linear.tiled.wgsl', 'linear.wgsl', 'reparameterize.wgsl',
    ]);
    expect(shaderNames(sizes['whole.js'].code)).toEqual(expect.arrayContaining(['conv2d.wgsl', 'conv2d.tiled.wgsl', 'linear.wgsl', 'spmm.wgsl']));
    expect(shaderNames(sizes['whole.js'].code)).not.toContain('inner_product_loss.wgsl');
    expect(shaderNames(sizes['every_entry.js'].code)).toContain('inner_product_loss.wgsl');
    // Every file the pages hold comes from the installed package's dist/.
    for (const s of Object.values(sizes)) expect(s.files.filter((f) => !f.startsWith('node_modules/webgpu-vae/dist/') && !/^[\w.]+\.js$/.test(f))).toEqual([]);
  });
});
