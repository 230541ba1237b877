/**
 * CSV and TSV tables of numbers (one row per sample), plain or gzipped (the caller gunzips):
 *
 *   - separator: a tab for `.tsv`, a comma otherwise; fields may be double-quoted ("" inside
 *     quotes is a quote), spaces around a field are ignored, blank lines are skipped;
 *   - header: the first row is a header when none of its cells is a number (a column of text
 *     labels does not count), so a data row with one bad cell is reported, not taken as names;
 *   - label column (`--label-column first|last|NAME|none`, default none): whole numbers >= 0
 *     are the labels as they are; anything else (text, negative numbers, 1.5) names classes,
 *     numbered in sorted order (numerically when all are numbers), as image folders are;
 *   - every other cell must be a finite number: an empty cell, NaN, an infinity or text is
 *     refused with its line, column and text, as is a row with another number of fields.
 *
 * Two passes over the bytes: the first counts rows and checks their widths, so the values are
 * allocated once at their exact size (and refused before that when too large).
 */
import { checkAllocation, DataFileError, type ProgressCallback } from './data_file.js';
import { fieldString, Lines, parseNumber } from '../graph/text.js';
import { parseLabelColumn, type LabelColumn } from './options.js';

export { parseLabelColumn, type LabelColumn };

/** A parsed table: `count` rows of `features` values, labels when a label column was named. */
export interface CsvTable {
  count: number;
  features: number;
  values: Float32Array;
  labels: Uint8Array | Uint32Array | null;
  /** Class names by label, when labels were not whole numbers >= 0. */
  classNames: string[] | null;
  /** The header's names of the feature columns, or null without a header. */
  columns: string[] | null;
  /** 1-based line number of each row in the file. */
  lines: Uint32Array;
  /** The label cells as written (for labelling several files together), or null. */
  labelTexts: string[] | null;
}

const QUOTE = 34;
const SPACE = (c: number) => c === 32 || c === 9 || c === 13;

/** The fields of line [s, e) as [start, end) pairs (quotes and spaces stripped); null on an unclosed quote. */
function splitFields(b: Uint8Array, s: number, e: number, sep: number, out: number[]): boolean {
  out.length = 0;
  let p = s;
  for (;;) {
    while (p < e && SPACE(b[p]) && b[p] !== sep) p++;
    let fs: number;
    let fe: number;
    if (p < e && b[p] === QUOTE) {
      fs = p + 1;
      p = fs;
      for (;;) {
        const q = b.indexOf(QUOTE, p);
        if (q < 0 || q >= e) return false;
        if (q + 1 < e && b[q + 1] === QUOTE) p = q + 2; // "" inside quotes
        else {
          fe = q;
          p = q + 1;
          break;
        }
      }
      while (p < e && b[p] !== sep) p++;
    } else {
      fs = p;
      while (p < e && b[p] !== sep) p++;
      fe = p;
      while (fe > fs && SPACE(b[fe - 1]) && b[fe - 1] !== sep) fe--;
    }
    out.push(fs, fe);
    if (p >= e) return true;
    p++; // the separator
  }
}

const text = (b: Uint8Array, s: number, e: number) => fieldString(b, s, e).replace(/""/g, '"');
const shown = (t: string) => JSON.stringify(t.length > 24 ? `${t.slice(0, 24)}...` : t);

/** Why a cell is not a finite number. */
function notNumber(t: string): string {
  if (t === '') return 'empty cell (a missing value)';
  if (/^[+-]?(nan|inf|infinity)$/i.test(t)) return `${shown(t)} is not a finite number`;
  return `${shown(t)} is not a number`;
}

/**
 * Parses an uncompressed CSV or TSV file (`tab` picks the separator; the caller decides by the
 * file name). Throws a DataFileError naming the line and column of the first bad cell.
 */
export function parseCsv(b: Uint8Array, file: string, opts: { tab?: boolean; labelColumn?: LabelColumn; onProgress?: ProgressCallback } = {}): CsvTable {
  const sep = opts.tab ? 9 : 44;
  const labelColumn = opts.labelColumn ?? 'none';
  const fields: number[] = [];
  let lines = new Lines(b);
  const nextRow = (): boolean => {
    while (lines.advance()) {
      let p = lines.start;
      while (p < lines.end && SPACE(b[p])) p++;
      if (p === lines.end) continue; // blank line
      if (!splitFields(b, lines.start, lines.end, sep, fields)) throw new DataFileError(file, `line ${lines.line}`, 'a quoted field has no closing quote');
      return true;
    }
    return false;
  };
  if (!nextRow()) throw new DataFileError(file, null, b.length === 0 ? 'the file is empty' : 'the file holds no rows, only blank lines');
  const width = fields.length / 2;
  const firstLine = lines.line;
  const first = [...fields];
  const isNum = (f: number[], k: number) => !Number.isNaN(parseNumber(b, f[2 * k], f[2 * k + 1]));
  // Header detection needs the second row.
  const second = nextRow() ? [...fields] : null;
  // The first row is a header when none of its cells is a number (a data row with one bad cell
  // is then reported as such); the label column (first or last) may hold text in every row and
  // does not decide. The second row must have a number somewhere, or the file is all text.
  const labelGuess = labelColumn === 'first' ? 0 : labelColumn === 'last' ? width - 1 : -1;
  const firstTexts = Array.from({ length: width }, (_, k) => text(b, first[2 * k], first[2 * k + 1]));
  const cells = Array.from({ length: width }, (_, k) => k).filter((k) => k !== labelGuess);
  let header = typeof labelColumn === 'object' && firstTexts.includes(labelColumn.name);
  if (cells.length > 0 && cells.every((k) => !isNum(first, k)) && (second === null || cells.some((k) => 2 * k < second.length && isNum(second, k)))) header = true;
  const names = header ? firstTexts : null;
  let labelAt = -1;
  if (labelColumn === 'first') labelAt = 0;
  else if (labelColumn === 'last') labelAt = width - 1;
  else if (typeof labelColumn === 'object') {
    if (!names) throw new DataFileError(file, null, `--label-column ${labelColumn.name}: the file has no header row to name columns (use first or last)`);
    labelAt = names.indexOf(labelColumn.name);
    if (labelAt < 0) {
      const list = names.length > 8 ? `${names.slice(0, 8).map(shown).join(', ')}, ... (${names.length} columns)` : names.map(shown).join(', ');
      throw new DataFileError(file, null, `--label-column ${labelColumn.name}: no such column; the header has ${list}`);
    }
  }
  const features = width - (labelAt >= 0 ? 1 : 0);
  if (features === 0) throw new DataFileError(file, null, `the only column is the label column: no features left`);

  // Pass 1: count rows and check their widths.
  let count = header ? 0 : 1;
  const checkWidth = () => {
    if (fields.length / 2 !== width) throw new DataFileError(file, `line ${lines.line}`, `${fields.length / 2} fields, but line ${firstLine} has ${width}`);
  };
  if (second) {
    fields.splice(0, fields.length, ...second);
    checkWidth();
    count++;
    while (nextRow()) {
      checkWidth();
      count++;
      if ((count & 0xffff) === 0) opts.onProgress?.(lines.start, 2 * b.length, 'bytes parsed');
    }
  }
  if (count === 0) throw new DataFileError(file, null, 'the file has a header row but no data rows');
  checkAllocation(file, 4 * count * features, `${count} rows of ${features} values`);

  // Pass 2: the numbers.
  const values = new Float32Array(count * features);
  const rowLines = new Uint32Array(count);
  const labelText: string[] = labelAt >= 0 ? new Array(count) : [];
  lines = new Lines(b);
  let r = 0;
  if (header) nextRow();
  while (r < count && nextRow()) {
    rowLines[r] = lines.line;
    let o = r * features;
    for (let k = 0; k < width; k++) {
      const s = fields[2 * k];
      const e = fields[2 * k + 1];
      if (k === labelAt) {
        labelText[r] = text(b, s, e);
        continue;
      }
      const v = parseNumber(b, s, e);
      if (Number.isNaN(v)) {
        const col = `column ${k + 1}${names ? ` (${shown(names[k])})` : ''}`;
        throw new DataFileError(file, `line ${lines.line} ${col}`, notNumber(text(b, s, e)));
      }
      values[o++] = v;
    }
    r++;
    if ((r & 0xffff) === 0) opts.onProgress?.(b.length + lines.start, 2 * b.length, 'bytes parsed');
  }
  opts.onProgress?.(2 * b.length, 2 * b.length, 'bytes parsed');
  const { labels, classNames } = labelAt >= 0 ? labelsFromText(labelText, file, rowLines, labelAt) : { labels: null, classNames: null };
  const columns = names ? names.filter((_, k) => k !== labelAt) : null;
  return { count, features, values, labels, classNames, columns, lines: rowLines, labelTexts: labelAt >= 0 ? labelText : null };
}

/**
 * Labels from their text: whole numbers >= 0 as they are; otherwise each distinct text is a
 * class, numbered in sorted order (numeric order when every text is a number).
 */
export function labelsFromText(texts: readonly string[], file: string, lines?: Uint32Array, column?: number): { labels: Uint8Array | Uint32Array; classNames: string[] | null } {
  const nums = texts.map((t) => (t.trim() === '' ? NaN : Number(t)));
  texts.forEach((t, i) => {
    if (t.trim() === '') throw new DataFileError(file, `${lines ? `line ${lines[i]}` : `row ${i}`}${column === undefined ? '' : ` column ${column + 1}`}`, 'empty label cell (a missing value)');
  });
  const whole = nums.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
  if (whole) {
    const max = nums.reduce((a, v) => Math.max(a, v), 0);
    return { labels: max < 256 ? Uint8Array.from(nums) : Uint32Array.from(nums), classNames: null };
  }
  const allNumeric = nums.every((v) => Number.isFinite(v));
  const distinct = [...new Set(texts)];
  distinct.sort(allNumeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(distinct.map((t, i) => [t, i]));
  const labels = distinct.length <= 256 ? new Uint8Array(texts.length) : new Uint32Array(texts.length);
  texts.forEach((t, i) => (labels[i] = index.get(t)!));
  return { labels, classNames: distinct };
}
