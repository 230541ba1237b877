// CIFAR-10's binary batches: records of one label byte and three 32x32 planes.
import { describe, expect, it } from 'vitest';
import { concatBatches, parseCifarBatch, parseCifarMeta } from '../../src/data/cifar10.js';
import { cifarBatch } from '../util/data_files.js';

describe('CIFAR-10 batches', () => {
  it('labels and (C, H, W) pixels of each record', () => {
    const b = parseCifarBatch(cifarBatch([3, 9]), 'data_batch_1.bin');
    expect(b.count).toBe(2);
    expect(Array.from(b.labels)).toEqual([3, 9]);
    // Record 1: red plane first; pixel (c=2, y=31, x=31) is the record's last byte.
    expect(b.pixels[3072 + 0]).toBe(7);
    expect(b.pixels[3072 + 1024]).toBe((7 + 1024) % 256);
    expect(b.pixels[2 * 3072 - 1]).toBe((7 + 3071) % 256);
  });

  it('batches concatenate in order; class names from batches.meta.txt', () => {
    const all = concatBatches([parseCifarBatch(cifarBatch([1]), 'a'), parseCifarBatch(cifarBatch([2, 0]), 'b')]);
    expect(all.count).toBe(3);
    expect(Array.from(all.labels)).toEqual([1, 2, 0]);
    expect(all.pixels[3072]).toBe(0); // record 0 of the second batch
    const names = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';
    expect(parseCifarMeta(new TextEncoder().encode(names), 'batches.meta.txt')).toHaveLength(10);
  });
});
