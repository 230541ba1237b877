// One table of limits and one wording for every setting: the library, the CLI's flags and the
// page's fields all check against SETTINGS and say `<name> must be ..., got <value>`.
import { describe, expect, it } from 'vitest';
import { messageOf } from './util/errors.js';
import { checkSetting, ConfigError, parseSetting, resolveAdam, resolveConfig, SETTINGS, type SettingName } from '../src/config.js';
import { settingFlag, UsageError } from '../src/cli/args.js';
import { settingsFromQuery } from '../src/app/settings.js';


describe('settings', () => {
  it('parse text and check values with the same rule', () => {
    expect(parseSetting('latent', ' 20 ')).toBe(20);
    expect(parseSetting('hidden', '512, 256')).toEqual([512, 256]);
    expect(parseSetting('lr', '3e-4')).toBe(3e-4);
    expect(parseSetting('kind', 'ae')).toBe('ae');
    expect(checkSetting('seed', 0xffffffff)).toBe(0xffffffff);
    for (const [name, text] of [['latent', '2.5'], ['latent', '1e3'], ['latent', ''], ['batch', '0'], ['hidden', '400,,x'], ['lr', '0'], ['lr', 'Infinity'], ['sigma', '1001'], ['kind', 'gan']] as [SettingName, string][]) {
      expect(() => parseSetting(name, text), `${name}=${text}`).toThrow(ConfigError);
    }
    expect(messageOf(() => parseSetting('hidden', Array(17).fill('8').join(',')))).toBe('hidden takes at most 16 sizes, got 17');
  });

  it('say the same thing in the library, on the command line and in the page', () => {
    const cases: [SettingName, string, string, () => unknown][] = [
      ['latent', 'latent', '0', () => resolveConfig({ latent: 0 })],
      ['batch', 'batch', '70000', () => resolveConfig({ batch: 70000 })],
      ['hidden', 'hidden', '-3', () => resolveConfig({ hidden: [-3] })],
      ['lr', 'lr', '-1', () => resolveAdam({ lr: -1 })],
      ['sigma', 'sigma', '0', () => resolveConfig({ sigma: 0 })],
      ['kind', 'kind', 'gan', () => resolveConfig({ kind: 'gan' as 'vae' })],
    ];
    for (const [setting, field, text, library] of cases) {
      const kind = SETTINGS[setting].kind;
      const value = kind === 'choice' ? text : kind === 'ints' ? [Number(text)] : Number(text);
      const requirement = messageOf(() => checkSetting(setting, value)).replace(/^\w+ /, '').replace(/, got .*$/, '');
      expect(requirement, setting).toMatch(/^must be /);
      expect(messageOf(library), `library ${setting}`).toBe(`config: ${setting} ${requirement}, got ${SETTINGS[setting].kind === 'choice' ? `'${text}'` : text}`);
      expect(messageOf(() => settingFlag(setting, field, text, 1 as never)), `CLI --${field}`).toBe(`--${field} ${requirement}, got '${text}'`);
      expect(() => settingFlag(setting, field, text, 1 as never)).toThrow(UsageError);
      expect(messageOf(() => settingsFromQuery(new URLSearchParams(`${field}=${text}`))), `page ${field}`).toBe(`${field} ${requirement}, got '${text}'`);
    }
  });

  it('a configuration carries its input shape', () => {
    expect(resolveConfig({ inputShape: [1, 28, 28] })).toMatchObject({ inputSize: 784, inputShape: [1, 28, 28] });
    expect(resolveConfig({ inputSize: 13 })).toMatchObject({ inputSize: 13, inputShape: [13] });
    expect(messageOf(() => resolveConfig({ inputShape: [1, 28, 28], inputSize: 780 }))).toBe('config: inputSize 780 does not match inputShape 1x28x28 = 784');
    expect(messageOf(() => resolveConfig({ inputShape: [28, 28] }))).toBe('config: inputShape must be [features] or [channels, height, width] of whole numbers >= 1, got [28,28]');
  });

  it('the convolutional VAE: keras-io defaults, an image input, sizes the strides divide', () => {
    expect(resolveConfig({ arch: 'conv' })).toMatchObject({ arch: 'conv', inputShape: [1, 28, 28], inputSize: 784, channels: [32, 64], dense: 16, latent: 2 });
    expect(resolveConfig({})).toMatchObject({ arch: 'mlp', hidden: [400], latent: 20 });
    expect(resolveConfig({ arch: 'conv', latent: 20, inputShape: [3, 32, 32], channels: [16, 32, 64] })).toMatchObject({ latent: 20, inputSize: 3072 });
    expect(messageOf(() => resolveConfig({ arch: 'conv', inputShape: [1, 28, 30], channels: [8, 8, 8] })))
      .toBe('config: arch conv halves the image 3 times (channels 8,8,8), so its height and width must be multiples of 8, got 28x30');
    expect(messageOf(() => resolveConfig({ arch: 'conv', inputSize: 784 }))).toBe('config: arch conv needs an image input shape [channels, height, width], got inputSize 784');
    expect(messageOf(() => resolveConfig({ arch: 'conv', inputShape: [784] }))).toBe('config: arch conv needs an image input shape [channels, height, width], got [784]');
    expect(messageOf(() => resolveConfig({ arch: 'conv', channels: [] }))).toBe('config: arch conv needs at least one convolution in channels, got []');
    expect(messageOf(() => resolveConfig({ arch: 'cnn' as 'conv' }))).toBe("config: arch must be mlp or conv, got 'cnn'");
    expect(messageOf(() => resolveConfig({ arch: 'conv', channels: [32, 5000] }))).toBe('config: channels must be a whole number from 1 to 4096, got 5000');
    expect(messageOf(() => resolveConfig({ arch: 'conv', dense: 0 }))).toBe('config: dense must be a whole number from 1 to 65536, got 0');
  });
});
