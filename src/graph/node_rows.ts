/**
 * The nodes a node file defines, row by row, for both node readers (the LINQS content file and
 * the node table beside an edge list): ids in row order, each defined once; class names
 * numbered in sorted order (so the numbering does not depend on row order); features as CSR.
 */
import type { CsrMatrix } from './graph.js';
import { GraphFileError, GrowableF32, GrowableU32 } from './text.js';

const INTEGER = /^[+-]?\d+$/;

/** Class names in order: numerically when every one is an integer, otherwise by code point. */
export function sortClassNames(names: Iterable<string>): string[] {
  const all = [...names];
  if (all.length > 0 && all.every((c) => INTEGER.test(c))) return all.sort((a, c) => Number(a) - Number(c) || (a < c ? -1 : a > c ? 1 : 0));
  return all.sort();
}

/** Nodes being read: a row's features, then the node that ends the row. */
export class NodeRows {
  /** Node i's id, in row order. */
  readonly ids: string[] = [];
  /** Id to node number. */
  readonly index = new Map<string, number>();
  private readonly firstLine: number[] = [];
  private readonly classIndex = new Map<string, number>();
  /** Each node's class in order of first appearance, plus one (0: no class). */
  private readonly classOf = new GrowableU32();
  private readonly rowPtr = new GrowableU32();
  private readonly cols: GrowableU32;
  private readonly values: GrowableF32;

  constructor(
    private readonly file: string,
    featureCapacity = 1024,
  ) {
    this.rowPtr.push(0);
    this.cols = new GrowableU32(featureCapacity);
    this.values = new GrowableF32(featureCapacity);
  }

  /** Feature k of the row being read (zeros are not stored). */
  feature(k: number, v: number): void {
    if (v !== 0) {
      this.cols.push(k);
      this.values.push(v);
    }
  }

  /** Ends the row with its node: `id` from line `line`, of class `cls` (null or '' for none). */
  node(id: string, line: number, cls: string | null): void {
    const prev = this.index.get(id);
    if (prev !== undefined) throw new GraphFileError(this.file, line, `id ${JSON.stringify(id)} is already defined on line ${this.firstLine[prev]}`);
    this.index.set(id, this.ids.length);
    this.ids.push(id);
    this.firstLine.push(line);
    let c = -1;
    if (cls) {
      c = this.classIndex.get(cls) ?? this.classIndex.size;
      if (c === this.classIndex.size) this.classIndex.set(cls, c);
    }
    this.classOf.push(c + 1);
    this.rowPtr.push(this.cols.length);
  }

  /** Each node's class (-1 for none), as an index into the sorted class names. */
  classes(): { labels: Int32Array; classNames: string[] } {
    const classNames = sortClassNames(this.classIndex.keys());
    const rank = new Int32Array(classNames.length + 1);
    rank[0] = -1;
    classNames.forEach((c, r) => (rank[this.classIndex.get(c)! + 1] = r));
    const labels = new Int32Array(this.ids.length);
    for (let i = 0; i < labels.length; i++) labels[i] = rank[this.classOf.data[i]];
    return { labels, classNames };
  }

  /** The features read, N x `cols`. */
  features(cols: number): CsrMatrix {
    return { rows: this.ids.length, cols, rowPtr: this.rowPtr.take(), colIdx: this.cols.take(), values: this.values.take() };
  }
}
