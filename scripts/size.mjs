// `npm run size`: what an application that embeds the library downloads, minified and gzipped,
// against the goals. It builds dist/, packs the package as it would be published (`npm pack`),
// installs the tarball into a throwaway project in the system's temporary folder and bundles, as
// that third party would (esbuild --bundle --minify, package.json `exports` resolving the
// subpaths), the pages of scripts/size/:
//
//   whole.js       everything the main entry `webgpu-vae` exports (goal: at most 60 KB)
//   mlp_page.js    an MLP VAE page on webgpu-vae/core with only the linear layer type (at most 35 KB)
//   every_entry.js the main entry, webgpu-vae/data and webgpu-vae/graph together (no goal; shown)
//
// `--modules` adds, per page, the bytes each source module contributes (esbuild's metafile).
// It exits 1 when a goal is missed. `--from-dist` skips the build and the packing: the project
// gets package.json and the library's files of dist/ copied instead (the same `exports`
// resolution; test/build/size.test.ts measures that way, on a fresh library build).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { LIBRARY_ENTRIES, libraryBuildOptions } from './entries.mjs';
import { wgslPlugin } from './wgsl.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PAGES = join(root, 'scripts/size');

/** Gzipped bytes allowed, by page (KB = 1000 bytes); a page without a goal is measured and shown only. */
export const SIZE_GOALS = { 'whole.js': 60_000, 'mlp_page.js': 35_000, 'every_entry.js': null };

/** What each page is, for the table. */
const TITLES = {
  'whole.js': "the whole library: import * from 'webgpu-vae' (every layer type)",
  'mlp_page.js': "an MLP-only page: 'webgpu-vae/core' + 'webgpu-vae/layers/linear'",
  'every_entry.js': "every entry: 'webgpu-vae' + '/data' + '/graph'",
};

/** How a page is bundled: as a third party's bundler does for the browser, minified, with esbuild's metafile. */
const PAGE_BUNDLE = { bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'warning' };

/** Builds the library's entries alone (no CLI, page or types) into `outdir`, as scripts/build.mjs does. */
export async function buildLibrary(outdir) {
  await esbuild.build({
    ...libraryBuildOptions(root),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    plugins: [wgslPlugin(join(root, 'shaders'))],
    outdir,
    logLevel: 'warning',
  });
}

/**
 * A throwaway project in the temporary folder with the package installed at
 * node_modules/webgpu-vae: from a tarball (`npm install`), or from package.json and a library
 * build folder (`dist`) copied in place.
 */
export function throwawayProject({ tarball, dist }) {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-size-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'size-check', private: true, type: 'module' }));
  if (tarball) {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  } else {
    const pkg = join(dir, 'node_modules/webgpu-vae');
    mkdirSync(pkg, { recursive: true });
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    cpSync(dist, join(pkg, 'dist'), { recursive: true });
  }
  return dir;
}

/**
 * Bundles each page of scripts/size/ in `project` with esbuild --bundle --minify; returns, per
 * page, the minified bytes, the gzipped bytes and the inputs (files under the package) it holds.
 */
export async function measurePages(project) {
  const out = {};
  for (const page of Object.keys(SIZE_GOALS)) {
    cpSync(join(PAGES, page), join(project, page));
    const r = await esbuild.build({ ...PAGE_BUNDLE, entryPoints: [join(project, page)], absWorkingDir: project });
    const code = r.outputFiles[0].contents;
    const inputs = Object.values(r.metafile.outputs)[0].inputs;
    out[page] = {
      minified: code.length,
      gzipped: gzipSync(code, { level: 9 }).length,
      code: new TextDecoder().decode(code),
      files: Object.keys(inputs).filter((f) => inputs[f].bytesInOutput > 0),
    };
  }
  return out;
}

/**
 * What a page of scripts/size/ holds, by source module: the page bundled and minified from src/
 * (each `webgpu-vae` subpath resolved to its entry's source, as LIBRARY_ENTRIES maps them),
 * with esbuild's metafile. Returns [file under the repository, bytes in the minified output],
 * largest first; tree-shaken modules (0 bytes) are left out.
 */
export async function sourceBreakdown(page) {
  const fromSource = {
    name: 'webgpu-vae-from-source',
    setup(build) {
      build.onResolve({ filter: /^webgpu-vae(\/.*)?$/ }, (args) => {
        const entry = LIBRARY_ENTRIES[`.${args.path.slice('webgpu-vae'.length)}`];
        return entry ? { path: join(root, 'src', entry[0]) } : { errors: [{ text: `${args.path}: not an entry of the package` }] };
      });
    },
  };
  const r = await esbuild.build({ ...PAGE_BUNDLE, entryPoints: [join(PAGES, page)], absWorkingDir: root, plugins: [fromSource, wgslPlugin(join(root, 'shaders'))] });
  const inputs = Object.values(r.metafile.outputs)[0].inputs;
  // Metafile paths are relative to absWorkingDir, with forward slashes.
  return Object.entries(inputs)
    .map(([f, v]) => [f, v.bytesInOutput])
    .filter(([, b]) => b > 0)
    .sort((a, b) => b[1] - a[1]);
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

/** The table `npm run size` prints, and the pages over their goal. */
export function sizeReport(sizes) {
  const lines = [];
  const over = [];
  for (const [page, goal] of Object.entries(SIZE_GOALS)) {
    const s = sizes[page];
    const verdict = goal === null ? '' : s.gzipped <= goal ? `  (goal ${kb(goal)}: met)` : `  (goal ${kb(goal)}: OVER)`;
    if (goal !== null && s.gzipped > goal) over.push(page);
    lines.push(`${kb(s.gzipped).padStart(9)} gzipped, ${kb(s.minified).padStart(9)} minified  ${TITLES[page]}${verdict}`);
  }
  return { text: lines.join('\n'), over };
}

/** The subpaths package.json `exports` names, and whether each has its entry in LIBRARY_ENTRIES. */
export function exportsMismatch(pkg) {
  const named = Object.keys(pkg.exports).sort();
  const built = Object.keys(LIBRARY_ENTRIES).sort();
  const wrong = [];
  for (const k of new Set([...named, ...built])) {
    const [, out] = LIBRARY_ENTRIES[k] ?? [];
    const e = pkg.exports[k];
    if (!out || !e) wrong.push(`${k}: ${out ? 'not in package.json exports' : 'not built (scripts/entries.mjs)'}`);
    else if (e.import !== `./dist/${out}.js` || e.types !== `./dist/${out}.d.ts`) wrong.push(`${k}: exports ${JSON.stringify(e)}, built as dist/${out}.js`);
  }
  return wrong;
}

async function main() {
  const fromDist = process.argv.includes('--from-dist');
  const wrong = exportsMismatch(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));
  if (wrong.length > 0) {
    console.error(`package.json exports and scripts/entries.mjs disagree:\n  ${wrong.join('\n  ')}`);
    process.exit(1);
  }
  const work = mkdtempSync(join(tmpdir(), 'webgpu-vae-pack-'));
  let project;
  try {
    if (fromDist) {
      console.log('measuring the library files of dist/ under package.json exports (--from-dist: no build, no packing)');
      const lib = join(work, 'dist');
      mkdirSync(lib);
      for (const [, out] of Object.values(LIBRARY_ENTRIES)) cpSync(join(root, 'dist', `${out}.js`), join(lib, `${out}.js`));
      cpSync(join(root, 'dist/chunks'), join(lib, 'chunks'), { recursive: true });
      project = throwawayProject({ dist: lib });
    } else {
      console.log('building dist/ ...');
      execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
      console.log('packing and installing the tarball in a throwaway project ...');
      execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
      project = throwawayProject({ tarball: join(work, tarball) });
    }
    const { text, over } = sizeReport(await measurePages(project));
    console.log(text);
    if (process.argv.includes('--modules')) {
      for (const page of Object.keys(SIZE_GOALS)) {
        console.log(`\n${page}, minified bytes by source module (built from src/):`);
        for (const [f, b] of await sourceBreakdown(page)) console.log(`${String(b).padStart(8)}  ${f}`);
      }
    }
    if (over.length > 0) {
      console.error(`over the goal: ${over.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (project) rmSync(project, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
