/**
 * The training page's plain logic, without a browser: settings from the URL, which dropped
 * file is which, reading a dropped IDX set, log-axis ticks, and what scripts/serve.mjs agrees
 * to serve.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { idxRole, idxSplit } from '../../src/app/idx_files.js';
import { DEFAULT_SETTINGS, settingsFromQuery } from '../../src/app/settings.js';
import { logTicks, paddedRange, symlogTicks, tickText } from '../../src/app/ticks.js';
import { idxFile as idx } from '../util/data.js';

const images = (n: number, side = 4) => idx(0x803, [n, side, side], new Uint8Array(n * side * side).map((_, i) => i % 251));
const labels = (n: number) => idx(0x801, [n], new Uint8Array(n).map((_, i) => i % 10));

describe('settings from the URL', () => {
  it('defaults to the reference model', () => {
    expect(settingsFromQuery(new URLSearchParams(''))).toEqual({
      epochs: 10, lr: 0.001, batch: 128, arch: 'mlp', hidden: [400], channels: [32, 64], dense: 16, latent: 20, seed: 1, kind: 'vae', likelihood: 'bernoulli', sigma: 0.1,
      corrupt: null,
    });
    expect(DEFAULT_SETTINGS.hidden).toEqual([400]);
  });
  it('takes overrides and names a bad value', () => {
    expect(settingsFromQuery(new URLSearchParams('hidden=256,64&latent=2&batch=32&lr=3e-4&epochs=2&seed=7&kind=ae&likelihood=gaussian&sigma=0.2&corrupt=gauss:0.3'))).toEqual({
      epochs: 2, lr: 3e-4, batch: 32, arch: 'mlp', hidden: [256, 64], channels: [32, 64], dense: 16, latent: 2, seed: 7, kind: 'ae', likelihood: 'gaussian', sigma: 0.2,
      corrupt: { kind: 'gauss', amount: 0.3 },
    });
    // The convolutional VAE starts from keras-io's latent 2 unless the URL says otherwise.
    expect(settingsFromQuery(new URLSearchParams('arch=conv&channels=16,32&dense=8'))).toMatchObject({ arch: 'conv', channels: [16, 32], dense: 8, latent: 2 });
    expect(settingsFromQuery(new URLSearchParams('arch=conv&latent=20'))).toMatchObject({ arch: 'conv', channels: [32, 64], latent: 20 });
    expect(() => settingsFromQuery(new URLSearchParams('arch=resnet'))).toThrow("arch must be mlp or conv, got 'resnet'");
    expect(() => settingsFromQuery(new URLSearchParams('channels=32,0'))).toThrow("channels must be a whole number from 1 to 4096, got '0'");
    expect(() => settingsFromQuery(new URLSearchParams('corrupt=blur:2'))).toThrow("corrupt must be mask:P, gauss:S or saltpepper:P (P from 0 to 1, S from 0 to 10), got 'blur:2'");
    expect(() => settingsFromQuery(new URLSearchParams('kind=gan'))).toThrow("kind must be vae or ae, got 'gan'");
    expect(() => settingsFromQuery(new URLSearchParams('likelihood=poisson'))).toThrow("likelihood must be bernoulli or gaussian, got 'poisson'");
    expect(() => settingsFromQuery(new URLSearchParams('sigma=0'))).toThrow("sigma must be a number from 0.001 to 1000, got '0'");
    expect(() => settingsFromQuery(new URLSearchParams('latent=0'))).toThrow("latent must be a whole number from 1 to 4096, got '0'");
    expect(() => settingsFromQuery(new URLSearchParams('hidden=400,x'))).toThrow("hidden must be a whole number from 1 to 65536, got 'x'");
    expect(() => settingsFromQuery(new URLSearchParams('lr=-1'))).toThrow("lr must be a number > 0, got '-1'");
  });
});

describe('dropped IDX files', () => {
  it('recognises the standard, gzipped, Kaggle and Fashion-MNIST names', () => {
    expect(idxRole('train-images-idx3-ubyte')).toEqual({ split: 'train', kind: 'images' });
    expect(idxRole('mnist/t10k-labels-idx1-ubyte.gz')).toEqual({ split: 'test', kind: 'labels' });
    expect(idxRole('train-labels.idx1-ubyte')).toEqual({ split: 'train', kind: 'labels' });
    expect(idxRole('fashion/t10k-images-idx3-ubyte.gz')).toEqual({ split: 'test', kind: 'images' });
    expect(idxRole('README.md')).toBeNull();
  });

  it('reads plain and gzipped files into a split, labels optional', async () => {
    const split = await idxSplit([
      { name: 'train-images-idx3-ubyte', bytes: images(12) },
      { name: 'train-labels-idx1-ubyte.gz', bytes: gzipSync(labels(12)) },
      { name: 't10k-images-idx3-ubyte.gz', bytes: gzipSync(images(5)) },
      { name: 't10k-labels-idx1-ubyte', bytes: labels(5) },
      { name: '.DS_Store', bytes: new Uint8Array(3) },
    ]);
    expect([split.train.count, split.test.count, split.train.rows, split.train.cols]).toEqual([12, 5, 4, 4]);
    expect(Array.from(split.test.labels!)).toEqual([0, 1, 2, 3, 4]);
    const bare = await idxSplit([{ name: 'train-images-idx3-ubyte', bytes: images(3) }, { name: 't10k-images-idx3-ubyte', bytes: images(2) }]);
    expect(bare.train.labels).toBeNull();
  });

  it('says what is missing, doubled or inconsistent', async () => {
    await expect(idxSplit([{ name: 'train-images-idx3-ubyte', bytes: images(3) }])).rejects.toThrow(/missing the test images file: expected train-images-idx3-ubyte/);
    await expect(idxSplit([
      { name: 'train-images-idx3-ubyte', bytes: images(3) },
      { name: 'train-images-idx3-ubyte.gz', bytes: gzipSync(images(3)) },
    ])).rejects.toThrow('two files look like the train images: train-images-idx3-ubyte and train-images-idx3-ubyte.gz');
    await expect(idxSplit([{ name: 'train-images-idx3-ubyte', bytes: images(3, 4) }, { name: 't10k-images-idx3-ubyte', bytes: images(2, 5) }]))
      .rejects.toThrow('train images are 4x4 but test images are 5x5');
    await expect(idxSplit([
      { name: 'train-images-idx3-ubyte', bytes: images(3) },
      { name: 'train-labels-idx1-ubyte', bytes: labels(3) },
      { name: 't10k-images-idx3-ubyte', bytes: images(2) },
    ])).rejects.toThrow('labels given for the train images only');
    // The reader's own message, naming the file.
    await expect(idxSplit([{ name: 'train-images-idx3-ubyte', bytes: labels(3) }, { name: 't10k-images-idx3-ubyte', bytes: images(2) }]))
      .rejects.toThrow('train-images-idx3-ubyte: IDX images file must have 3 dimension(s), header says 1');
  });
});

describe('log-axis ticks', () => {
  it('uses 1-2-5 steps across decades, then every digit, half and tenth of one', () => {
    expect(logTicks(0.03, 600)).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]);
    expect(logTicks(150, 560)).toEqual([200, 300, 400, 500]);
    expect(logTicks(170, 270)).toEqual([200, 250]);
    expect(logTicks(195, 262)).toEqual([200, 250]);
    expect(logTicks(201, 239)).toEqual([210, 220, 230]);
    expect(logTicks(0.25, 0.35)).toEqual([0.25, 0.3, 0.35]);
    expect(logTicks(0, 10)).toEqual([]);
  });

  it('the arcsinh axes tick both signs: a Gaussian decoder\'s loss goes below zero', () => {
    expect(symlogTicks(150, 560)).toEqual(logTicks(150, 560));
    expect(symlogTicks(-560, -150)).toEqual([-500, -400, -300, -200]);
    expect(symlogTicks(-1200, 300)).toEqual([-1000, -500, -200, -100, -50, -20, -10, -5, -2, -1, 0, 1, 2, 5, 10, 20, 50, 100, 200]);
    expect(symlogTicks(-0.5, 0.5)).toEqual([0]);
    expect(paddedRange(100, 200)).toEqual([100 / 1.15, 200 * 1.15]);
    expect(paddedRange(-1000, -50)).toEqual([-1150, -50 / 1.15]);
    expect(tickText(-1085)).toBe('-1,085');
  });
});

describe('scripts/serve.mjs', () => {
  it('serves the page and dist/ only, on a free loopback port', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, [`${root}scripts/serve.mjs`], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL within 10 s: ${out}`)), 10_000);
        child.stdout.on('data', (d: Buffer) => {
          out += String(d);
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        });
      });
      const index = await fetch(url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/text\/html/);
      expect(await index.text()).toContain('id="status"');
      for (const path of ['package.json', 'dist/../package.json', 'dist/%2e%2e/package.json', 'dist/..%2fpackage.json', 'src/app/main.ts']) {
        expect((await fetch(url + path)).status, path).toBe(404);
      }
    } finally {
      child.kill();
    }
  });
});

describe('settings derived from the one table', () => {
  it('the page\'s fields and URL keys are the table\'s names; data options parse with the CLI\'s rules', async () => {
    const { PAGE_SETTINGS, PAGE_DATA_SETTINGS, settingName } = await import('../../src/settings.js');
    const { SETTING_KEYS, fieldName, dataFieldId, dataOptionsFromQuery, dataOptionText, settingText, defaultSettings } = await import('../../src/app/settings.js');
    expect(SETTING_KEYS).toEqual(PAGE_SETTINGS);
    expect(SETTING_KEYS.map(fieldName)).toEqual(PAGE_SETTINGS.map(settingName));
    expect(PAGE_DATA_SETTINGS.map(dataFieldId)).toEqual(['data-format', 'data-size', 'data-label-column', 'data-channels-last', 'data-normalize', 'data-normal-label']);
    const o = dataOptionsFromQuery(new URLSearchParams('normalize=standard&label-column=label&normal-label=normal&size=24x32&channels-last=1&format=csv'));
    expect(o).toEqual({ normalize: 'standard', labelColumn: { name: 'label' }, normalLabel: 'normal', size: [24, 32], channelsLast: true, format: 'csv' });
    expect(['size', 'labelColumn', 'normalize'].map((k) => dataOptionText(o, k as 'size'))).toEqual(['24x32', 'label', 'standard']);
    expect(dataOptionsFromQuery(new URLSearchParams('normalize='))).toEqual({});
    expect(() => dataOptionsFromQuery(new URLSearchParams('normalize=zscore'))).toThrow("normalize must be none, minmax, standard, got 'zscore'");
    expect(() => dataOptionsFromQuery(new URLSearchParams('size=0'))).toThrow("size must be S or HxW (height x width), each from 1 to 4096, got '0'");
    expect(settingText({ ...defaultSettings(), hidden: [256, 64], corrupt: { kind: 'mask', amount: 0.5 } }, 'hidden')).toBe('256,64');
    expect(settingText({ ...defaultSettings(), corrupt: { kind: 'mask', amount: 0.5 } }, 'corrupt')).toBe('mask:0.5');
  });

  it('a spec replaces the architecture: the configuration is the spec\'s, the name its layers\'', async () => {
    await import('../../src/layers/all.js');
    const { configOf, architectureName, defaultSettings, settingsOf } = await import('../../src/app/settings.js');
    const { resolveConfig } = await import('../../src/config.js');
    const spec = { input: [8], latent: 2, encoder: [{ type: 'linear', name: 'e', out: 4, activation: 'relu' }], decoder: [{ type: 'linear', name: 'd', out: 8 }], likelihood: 'gaussian' as const, kind: 'ae' as const };
    const s = { ...defaultSettings(), batch: 16, spec, specName: 's.json' };
    expect(configOf([8], s)).toEqual({ spec, batch: 16, corrupt: null });
    const config = resolveConfig(configOf([8], s));
    expect(architectureName([8], s)).toBe('8-4-2');
    // A spec checkpoint's settings keep the spec and its objective.
    expect(settingsOf(config, { epochs: 3, lr: 0.01, seed: 2 }, 'm.safetensors\'s spec')).toMatchObject({ spec: config.spec, specName: 'm.safetensors\'s spec', kind: 'ae', likelihood: 'gaussian', latent: 2, batch: 16, epochs: 3 });
  });

  it('the graph mode\'s fields are GRAPH_SETTINGS named by the table; kind=vae|ae is model=vgae|gae', async () => {
    const { GRAPH_SETTINGS, settingName } = await import('../../src/settings.js');
    const { GRAPH_FIELDS, graphSettingsFromQuery, DEFAULT_GRAPH_SETTINGS } = await import('../../src/app/graph_settings.js');
    expect(GRAPH_FIELDS.map((f) => f.name)).toEqual(GRAPH_SETTINGS.map(settingName));
    expect(GRAPH_FIELDS.map((f) => f.name)).toEqual(['model', 'features', 'epochs', 'hidden', 'latent', 'lr', 'seed', 'val', 'test', 'decoder', 'negatives', 'hits', 'hits-negatives']);
    expect(graphSettingsFromQuery(new URLSearchParams(''))).toEqual(DEFAULT_GRAPH_SETTINGS);
    expect(graphSettingsFromQuery(new URLSearchParams('kind=ae&hidden=8&val=0.1'))).toMatchObject({ kind: 'gae', hidden: 8, valFraction: 0.1 });
    expect(graphSettingsFromQuery(new URLSearchParams('kind=vae&model=vgae')).kind).toBe('vgae');
    expect(() => graphSettingsFromQuery(new URLSearchParams('kind=ae&model=vgae'))).toThrow('kind=ae and model=vgae disagree (model vgae is kind vae, gae is ae)');
    expect(() => graphSettingsFromQuery(new URLSearchParams('kind=gan'))).toThrow("kind must be vae or ae, got 'gan'");
    expect(() => graphSettingsFromQuery(new URLSearchParams('latent=65'))).toThrow("latent must be a whole number from 1 to 64, got '65'");
    expect(graphSettingsFromQuery(new URLSearchParams('decoder=sampled&negatives=3&hits=20&hits-negatives=500'))).toMatchObject({ decoder: 'sampled', negatives: 3, hits: 20, hitsNegatives: 500 });
    expect(() => graphSettingsFromQuery(new URLSearchParams('decoder=dense'))).toThrow("decoder must be one of auto, exact, sampled, got 'dense'");
  });
});
