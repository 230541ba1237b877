/**
 * Named segments of prepared dispatches. A model builds its step from segments (`encoder`,
 * `sample`, `decoder`, `loss`, ...) and every use of the GPU composes them by name: a training
 * step, an evaluation, encode, decode. Nothing addresses a dispatch by its position in a list.
 */
import { encodeDispatches, type Dispatch } from './resources.js';

/** Segments by name, and the dispatch lists of their compositions (made once, reused). */
export class Segments {
  private readonly segments = new Map<string, readonly Dispatch[]>();
  private readonly programs = new Map<string, readonly Dispatch[]>();

  /** Defines segment `name` (once). */
  define(name: string, dispatches: readonly Dispatch[]): void {
    if (this.segments.has(name)) throw new Error(`segment ${name} is defined twice`);
    this.segments.set(name, [...dispatches]);
  }

  /** Whether segment `name` exists. */
  has(name: string): boolean {
    return this.segments.has(name);
  }

  /** The dispatches of segment `name`. */
  get(name: string): readonly Dispatch[] {
    const s = this.segments.get(name);
    if (!s) throw new Error(`no segment ${name} (segments: ${[...this.segments.keys()].join(', ')})`);
    return s;
  }

  /** The dispatches of `names` in order, as one list built on first use. */
  program(names: readonly string[]): readonly Dispatch[] {
    const key = names.join(' ');
    let p = this.programs.get(key);
    if (!p) {
      p = names.flatMap((n) => this.get(n));
      this.programs.set(key, p);
    }
    return p;
  }

  /** Encodes `names` into one compute pass of `encoder`. */
  encode(encoder: GPUCommandEncoder, names: readonly string[], label: string): void {
    const pass = encoder.beginComputePass({ label });
    encodeDispatches(pass, this.program(names));
    pass.end();
  }
}
