// PNG and JPEG decoding (grey, RGB, RGBA, grey + alpha, 16-bit), Pillow's bilinear resize and
// torchvision's centre crop against pixels computed by hand, and image folders read from disk
// in both ImageFolder layouts.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { imageHeader } from '../../src/data/image_header.js';
import { toPlanar } from '../../src/data/pixels.js';
import { coverSize, parseImageSize, resizeCenterCrop, resizePlane, roundHalfEven } from '../../src/data/resize.js';
import { decodeImageFile } from '../../src/node/image_decode.js';
import { loadUserData } from '../../src/node/user_data.js';
import { seededUniform } from '../util/data.js';
import { folderWith, greyJpeg138, jpeg, png, PYTHON, pythonHas } from '../util/data_files.js';

describe('PNG decoding', () => {
  it('grey, RGB, RGBA (alpha dropped, colours kept), grey + alpha, 16-bit (high byte)', () => {
    const grey = decodeImageFile(png(3, 2, 1, [0, 50, 100, 150, 200, 255]), 'g.png');
    expect(grey).toMatchObject({ width: 3, height: 2, channels: 1, droppedAlpha: false });
    expect(Array.from(grey.data)).toEqual([0, 50, 100, 150, 200, 255]);
    const rgb = decodeImageFile(png(2, 1, 3, [1, 2, 3, 4, 5, 6]), 'c.png');
    expect(rgb).toMatchObject({ channels: 3, droppedAlpha: false });
    expect(Array.from(rgb.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // A fully transparent pixel keeps its colour: alpha is dropped, not blended.
    const rgba = decodeImageFile(png(2, 1, 4, [10, 20, 30, 0, 40, 50, 60, 128]), 'a.png');
    expect(rgba).toMatchObject({ channels: 3, droppedAlpha: true });
    expect(Array.from(rgba.data)).toEqual([10, 20, 30, 40, 50, 60]);
    const ga = decodeImageFile(png(2, 1, 2, [7, 0, 9, 255]), 'ga.png');
    expect(ga).toMatchObject({ channels: 1, droppedAlpha: true });
    expect(Array.from(ga.data)).toEqual([7, 9]);
    const deep = decodeImageFile(png(2, 1, 1, [0x12ff, 0xff00], 16), 'd.png');
    expect(Array.from(deep.data)).toEqual([0x12, 0xff]);
  });

  it('headers say format, size, channels and alpha before decoding', () => {
    expect(imageHeader(png(5, 4, 4, new Array(80).fill(1)), 'h.png')).toEqual({ format: 'png', width: 5, height: 4, channels: 3, alpha: true, depth: 8 });
    expect(imageHeader(greyJpeg138(), 'h.jpg')).toEqual({ format: 'jpeg', width: 8, height: 8, channels: 1, alpha: false, depth: 8 });
  });
});

describe('JPEG decoding', () => {
  it('a hand-made grey JPEG decodes to its DC level exactly', () => {
    const img = decodeImageFile(greyJpeg138(), 'grey.jpg');
    expect(img).toMatchObject({ width: 8, height: 8, channels: 1 });
    expect(Array.from(img.data)).toEqual(new Array(64).fill(138));
  });

  it('a colour JPEG comes back within the codec rounding', () => {
    // A flat colour block at quality 100: only the DC terms are non-zero, so the error is the
    // RGB -> YCbCr -> RGB rounding of encoder and decoder, at most a couple of levels.
    const rgb = Array.from({ length: 16 * 16 }, () => [200, 100, 50]).flat();
    const img = decodeImageFile(jpeg(16, 16, rgb), 'flat.jpg');
    expect(img.channels).toBe(3);
    const worst = Math.max(...Array.from(img.data, (v, i) => Math.abs(v - rgb[i])));
    expect(worst).toBeLessThanOrEqual(2);
  });
});

describe('Resize + CenterCrop (Pillow BILINEAR, torchvision offsets)', () => {
  it('upscaling 2 -> 4 on one axis: edges copied, inner pixels 3/4 : 1/4 blends rounded down at halves', () => {
    // Taps (see src/data/resize.ts): out0 = a; out1 = .75a + .25b; out2 = .25a + .75b; out3 = b.
    // a = 10, b = 21: 12.75 and 18.25, plus Pillow's half, truncated: 13 and 18.
    expect(Array.from(resizePlane(Uint8Array.from([10, 21]), 1, 2, 1, 4))).toEqual([10, 13, 18, 21]);
    expect(Array.from(resizePlane(Uint8Array.from([0, 200]), 1, 2, 1, 4))).toEqual([0, 50, 150, 200]);
  });

  it('downscaling 4 -> 2 widens the triangle (antialiasing): weights 3/7, 3/7, 1/7', () => {
    // out0 = (3*0 + 3*70 + 140) / 7 = 50, out1 = (70 + 3*140 + 3*210) / 7 = 160; in fixed
    // point both sums fall just below the half (49.99999, 159.99999 + 0.5), so 50 and 160.
    expect(Array.from(resizePlane(Uint8Array.from([0, 70, 140, 210]), 1, 4, 1, 2))).toEqual([50, 160]);
  });

  it('two passes with bytes between them: 2x2 -> 1x1', () => {
    // Rows first: (10 + 21) / 2 = 15.5 -> 16, (30 + 41) / 2 = 35.5 -> 36; then (16 + 36) / 2 = 26.
    expect(Array.from(resizePlane(Uint8Array.from([10, 21, 30, 41]), 2, 2, 1, 1))).toEqual([26]);
  });

  it("the cover size and Python's rounding of the crop offsets", () => {
    expect(coverSize(30, 40, 32, 32)).toEqual({ height: 32, width: 42 }); // int(32 * 40 / 30) = 42
    expect(coverSize(50, 20, 16, 16)).toEqual({ height: 40, width: 16 });
    expect(coverSize(10, 10, 8, 12)).toEqual({ height: 12, width: 12 });
    expect([0.5, 1.5, 2.5, 3.2, 3.7].map(roundHalfEven)).toEqual([0, 2, 2, 3, 4]);
    // 1x5 to 1x2: no resize; left = round(1.5) = 2, so columns 2 and 3.
    expect(Array.from(resizeCenterCrop(Uint8Array.from([1, 2, 3, 4, 5]), 1, 1, 5, 1, 2))).toEqual([3, 4]);
    // 1x4 to 1x1: left = round(1.5) = 2.
    expect(Array.from(resizeCenterCrop(Uint8Array.from([1, 2, 3, 4]), 1, 1, 4, 1, 1))).toEqual([3]);
    expect(parseImageSize('32')).toEqual([32, 32]);
    expect(parseImageSize('24x40')).toEqual([24, 40]);
    expect(() => parseImageSize('0x3')).toThrow("--size must be S or HxW (height x width), each from 1 to 4096, got '0x3'");
  });

  const hasPil = pythonHas('PIL.Image');
  // CI installs Pillow (.ci/run): there the test runs, and fails without it.
  it.skipIf(!hasPil && !process.env.CI)('equals Pillow byte for byte on seeded images, shrinking and growing', () => {
    const cases = [[37, 23, 16, 16], [23, 37, 16, 16], [9, 14, 32, 32], [64, 48, 20, 28], [5, 5, 5, 5]];
    for (const [h, w, H, W] of cases) {
      const img = Uint8Array.from(seededUniform(h * w, h * 100 + w, 0, 256), Math.floor);
      const ours = resizeCenterCrop(img, 1, h, w, H, W);
      const script = [
        'import sys, PIL.Image as I',
        'h, w, H, W = map(int, sys.argv[1:5]); b = bytes.fromhex(sys.argv[5])',
        'im = I.frombytes("L", (w, h), b)',
        // torchvision Resize(s) (shorter side) for the cover size, then CenterCrop with round().
        'rh, rw = (H, max(W, int(H * w / h))) if w * H >= W * h else (max(H, int(W * h / w)), W)',
        'r = im.resize((rw, rh), I.BILINEAR)',
        'top, left = int(round((rh - H) / 2.0)), int(round((rw - W) / 2.0))',
        'sys.stdout.write(r.crop((left, top, left + W, top + H)).tobytes().hex())',
      ].join('\n');
      const pil = execFileSync(PYTHON, ['-c', script, String(h), String(w), String(H), String(W), Buffer.from(img).toString('hex')]).toString();
      expect(Buffer.from(ours).toString('hex'), `${h}x${w} -> ${H}x${W}`).toBe(pil);
    }
  });
});

describe('image folders', () => {
  const grey = (v: number) => png(2, 2, 1, [v, v, v, v]);
  const red = png(2, 2, 3, [255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0]);

  it('train/ and test/ with class folders: classes sorted, files sorted, labels from train/', async () => {
    const dir = folderWith({
      'train/dog/b.png': grey(20), 'train/dog/a.png': grey(10), 'train/cat/x.png': grey(30),
      'test/dog/c.png': grey(40), 'test/cat/d.png': grey(50), 'README.md': 'notes',
    });
    const d = await loadUserData(dir);
    expect(d.format).toBe('images');
    const { train, test } = d;
    expect(train!.classNames).toEqual(['cat', 'dog']);
    expect(train!.shape).toEqual([1, 2, 2]);
    expect(Array.from(train!.labels!)).toEqual([0, 1, 1]);
    expect(Array.from(train!.images)).toEqual([30, 30, 30, 30, 10, 10, 10, 10, 20, 20, 20, 20]);
    expect(Array.from(test.labels!)).toEqual([0, 1]);
    expect(Array.from(test.images.subarray(0, 4))).toEqual([50, 50, 50, 50]);
    expect(d.notice).toMatch(/^data: an image folder \(train\/ and test\/\) from .*: 3 train \/ 2 test images of 1x2x2 \(CxHxW\), 2 classes \(cat, dog\); inputs pixel\/255$/);
  });

  it('class folders without train/test: 80 / 20 by the seed, every image once, labels kept', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 10; i++) files[`${i < 4 ? 'a' : 'b'}/${i}.png`] = grey(i * 10);
    const d = await loadUserData(folderWith(files), { seed: 3 });
    const { train, test } = d;
    expect([train!.count, test.count]).toEqual([8, 2]);
    const seen = [...train!.origin!, ...test.origin!].sort((x, y) => x - y);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Image k of the sorted listing is k * 10 and belongs to class a (0) when k < 4.
    for (const ds of [train!, test]) {
      ds.origin!.forEach((k, i) => {
        expect(ds.images[4 * i]).toBe(k * 10);
        expect(ds.labels![i]).toBe(k < 4 ? 0 : 1);
      });
    }
    expect(d.notice).toContain('split 80/20 by seed 3');
    // Another seed, another split; the same seed, the same.
    const again = await loadUserData(folderWith(files), { seed: 3 });
    expect(Array.from(again.test.origin!)).toEqual(Array.from(test.origin!));
  });

  it('grey and RGB mixed: the set is RGB, grey repeated in three planes; alpha dropped with a note', async () => {
    const rgba = png(2, 2, 4, [0, 0, 255, 0, 0, 0, 255, 10, 0, 0, 255, 20, 0, 0, 255, 30]);
    const d = await loadUserData(folderWith({ 'k/1.png': grey(7), 'k/2.png': red, 'k/3.png': rgba }), { split: 'all' });
    expect(d.train).toBeNull();
    expect(d.test.shape).toEqual([3, 2, 2]);
    expect(Array.from(d.test.images.subarray(0, 12))).toEqual(new Array(12).fill(7));
    expect(Array.from(d.test.images.subarray(12, 24))).toEqual([255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(d.test.images.subarray(24, 36))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
    expect(d.notice).toMatch(/alpha channel dropped from 1 image \(first: .*3\.png\)$/);
  });

  it('--size resizes and crops every image; JPEG and PNG together', async () => {
    const wide = png(4, 2, 1, [0, 70, 140, 210, 0, 70, 140, 210]);
    const d = await loadUserData(folderWith({ 'c/wide.png': wide, 'c/grey.jpg': greyJpeg138(), 'c/x.png': grey(9) }), { size: [1, 1], split: 'all' });
    // grey.jpg 8x8 of 138 -> 138; wide 2x4 -> cover 1x2 (= (50, 160) per row) -> crop left round(0.5) = 0 -> 50; x 2x2 of 9 -> 9.
    expect(Array.from(d.test.images)).toEqual([138, 50, 9]);
  });

  it('a flat folder of images: no labels', async () => {
    const d = await loadUserData(folderWith({ '1.png': grey(1), '2.png': grey(2), '3.png': grey(3), '4.png': grey(4), '5.png': grey(5) }));
    expect(d.test.labels).toBeNull();
    expect(d.train!.count + d.test.count).toBe(5);
    expect(d.notice).toContain('no labels');
  });

  it('toPlanar keeps RGB planes in order', () => {
    expect(Array.from(toPlanar({ width: 2, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]), droppedAlpha: false }, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
