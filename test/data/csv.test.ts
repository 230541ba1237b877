// The CSV / TSV reader against hand-written tables: header detection, label columns (numbers
// and names), quoting, blank lines, TSV.
import { describe, expect, it } from 'vitest';
import { labelsFromText, parseCsv, parseLabelColumn } from '../../src/data/csv.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('CSV tables', () => {
  it('no header, no labels: every cell a value', () => {
    const t = parseCsv(bytes('1,2,3\n4.5,-6,7e-1\n'), 'a.csv');
    expect(t).toMatchObject({ count: 2, features: 3, labels: null, classNames: null, columns: null });
    expect(Array.from(t.values)).toEqual([1, 2, 3, 4.5, -6, Math.fround(0.7)]);
    expect(Array.from(t.lines)).toEqual([1, 2]);
  });

  it('a header is detected and names the columns; CRLF, a BOM, blank lines and spaces are fine', () => {
    const t = parseCsv(bytes('\ufeffa, b ,c\r\n\r\n 1 , 2,3\r\n4,5,6\r\n\r\n'), 'b.csv');
    expect(t).toMatchObject({ count: 2, features: 3, columns: ['a', 'b', 'c'] });
    expect(Array.from(t.values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(t.lines)).toEqual([3, 4]);
  });

  it('label column last (numbers) and first, header or not', () => {
    const last = parseCsv(bytes('x,y,label\n0.5,1,1\n2,3,0\n'), 'c.csv', { labelColumn: 'last' });
    expect(Array.from(last.values)).toEqual([0.5, 1, 2, 3]);
    expect(Array.from(last.labels!)).toEqual([1, 0]);
    expect(last.columns).toEqual(['x', 'y']);
    expect(last.classNames).toBeNull();
    const first = parseCsv(bytes('7,1,2\n3,4,5\n'), 'd.csv', { labelColumn: 'first' });
    expect(Array.from(first.values)).toEqual([1, 2, 4, 5]);
    expect(Array.from(first.labels!)).toEqual([7, 3]);
  });

  it('a label column by name; text labels become classes in sorted order', () => {
    const t = parseCsv(bytes('v1,kind,v2\n1,normal,2\n3,st_up,4\n5,normal,6\n7,"a, quoted",8\n'), 'e.csv', { labelColumn: { name: 'kind' } });
    expect(Array.from(t.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(t.classNames).toEqual(['a, quoted', 'normal', 'st_up']);
    expect(Array.from(t.labels!)).toEqual([1, 2, 1, 0]);
    // A text label column alone does not make the first row a header.
    const noHeader = parseCsv(bytes('1,cat\n2,dog\n'), 'f.csv', { labelColumn: 'last' });
    expect(noHeader.count).toBe(2);
    expect(noHeader.classNames).toEqual(['cat', 'dog']);
  });

  it('numeric labels that are not whole numbers >= 0 name classes in numeric order', () => {
    expect(labelsFromText(['-1', '1', '10', '-1', '2'], 'x')).toEqual({ labels: Uint8Array.from([0, 1, 3, 0, 2]), classNames: ['-1', '1', '2', '10'] });
    expect(labelsFromText(['1.0', '0', '3'], 'x')).toEqual({ labels: Uint8Array.from([1, 0, 3]), classNames: null });
    const many = labelsFromText(['300', '2'], 'x');
    expect(many.labels).toBeInstanceOf(Uint32Array);
  });

  it('quoted numbers and "" escapes; TSV with tabs', () => {
    const q = parseCsv(bytes('"1.5","2"\n"3",4\n'), 'g.csv');
    expect(Array.from(q.values)).toEqual([1.5, 2, 3, 4]);
    const tsv = parseCsv(bytes('a\tb\n1\t2\n3\t4\n'), 'h.tsv', { tab: true });
    expect(tsv.columns).toEqual(['a', 'b']);
    expect(Array.from(tsv.values)).toEqual([1, 2, 3, 4]);
  });

  it('--label-column text', () => {
    expect(parseLabelColumn('last')).toBe('last');
    expect(parseLabelColumn('label')).toEqual({ name: 'label' });
    expect(() => parseLabelColumn(' ')).toThrow("--label-column must be first, last, none or a column name, got ''");
  });
});
