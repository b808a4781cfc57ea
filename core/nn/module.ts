// Module: PyTorch's habits in TypeScript. A module's own Tensor fields are its parameters (unless registered
// as buffers), its Module fields (and arrays of Modules) its children; fields starting with '_' are private state.
import { Tensor } from '../tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { castArray } from '../tensor.js';

export type StateDict = Record<string, Tensor>;

export abstract class Module {
  training = true;
  private readonly _bufferNames = new Set<string>();

  abstract forward(x: Tensor): Tensor;

  /** Same as forward, so a module reads like a function: `model.call(x)`. */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  /** Registers a Tensor field as a buffer: saved in stateDict, never trained (BatchNorm running stats, pruning masks). */
  protected registerBuffer(name: string, t: Tensor | null): void {
    this._bufferNames.add(name);
    (this as unknown as Record<string, Tensor | null>)[name] = t;
  }

  /** Name a field has in stateDict; BatchNorm maps its buffers to PyTorch's snake_case names. */
  protected stateKey(field: string): string {
    return field;
  }

  /** Direct children with their names ('0', '1', ... for arrays, as nn.Sequential). */
  namedChildren(): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    for (const [k, v] of Object.entries(this)) {
      if (k.startsWith('_')) continue;
      if (v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v)) v.forEach((m, i) => { if (m instanceof Module) out.push([`${k}.${i}`, m]); });
    }
    return out;
  }

  /** Every module in the tree, this one first, with dotted names ('' for the root). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  private ownTensors(): Array<[string, string, Tensor, boolean]> {
    const out: Array<[string, string, Tensor, boolean]> = [];
    for (const [k, v] of Object.entries(this)) {
      if (k.startsWith('_') || !(v instanceof Tensor)) continue;
      out.push([k, this.stateKey(k), v, this._bufferNames.has(k)]);
    }
    return out;
  }

  /** Trainable tensors with dotted names, e.g. ['0.weight', t]. */
  namedParameters(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [, key, t, isBuffer] of m.ownTensors()) if (!isBuffer) out.push([prefix ? `${prefix}.${key}` : key, t]);
    }
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  namedBuffers(): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [, key, t, isBuffer] of m.ownTensors()) if (isBuffer) out.push([prefix ? `${prefix}.${key}` : key, t]);
    }
    return out;
  }

  /** Parameters and buffers by name; the tensors are the live ones (clone them to keep a snapshot). */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      for (const [, key, t] of m.ownTensors()) sd[prefix ? `${prefix}.${key}` : key] = t;
    }
    return sd;
  }

  /**
   * Copies values in place (optimizers keep their references). strict: every key must match both ways.
   * Shapes must agree exactly; floating dtypes convert, so float64 or float16-decoded weights load into float32.
   */
  loadStateDict(sd: StateDict, strict = true): { missing: string[]; unexpected: string[] } {
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw new ArgumentError(`loadStateDict: the state dict must be an object of tensors by name, got ${describeEntry(sd)}`);
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !(k in own));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new ArgumentError(`loadStateDict: keys must match the model, got missing [${missing.join(', ')}] and unexpected [${unexpected.join(', ')}]`);
    }
    for (const [k, dst] of Object.entries(own)) {
      const src = sd[k];
      if (src === undefined && !(k in sd)) continue;
      // duck-typed, so a { shape, dtype, data } record read from a file loads as a Tensor does
      const rec = src as Partial<Tensor> | null | undefined;
      if (rec === null || typeof rec !== 'object' || !Array.isArray(rec.shape) || !(ArrayBuffer.isView(rec.data) || Array.isArray(rec.data))) {
        throw new ArgumentError(`loadStateDict: ${k} must be a tensor (or a { shape, data } record), got ${describeEntry(src)}`);
      }
      if (src.shape.join() !== dst.shape.join()) throw new ShapeError(`loadStateDict: ${k} must be ${fmtShape(dst.shape)}, got ${fmtShape(src.shape)}`);
      // a record's data is not tied to its shape as a Tensor's is: a short one would load only in part
      if (src.data.length !== dst.size) throw new ShapeError(`loadStateDict: ${k} must hold ${dst.size} values for ${fmtShape(dst.shape)}, got ${src.data.length}`);
      dst.data.set(src.dtype === dst.dtype ? src.data : castArray(src.data, dst.dtype));
    }
    return { missing, unexpected };
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** One line per module, as PyTorch prints a model. */
  toString(): string {
    const lines: string[] = [];
    const walk = (m: Module, name: string, depth: number) => {
      const kids = m.namedChildren();
      const head = `${'  '.repeat(depth)}${name ? `(${name}): ` : ''}${m.describe()}`;
      if (kids.length === 0) { lines.push(head); return; }
      lines.push(`${head} (`);
      for (const [n, c] of kids) walk(c, n, depth + 1);
      lines.push(`${'  '.repeat(depth)})`);
    };
    walk(this, '', 0);
    return lines.join('\n');
  }

  /** Short description for toString(); layers override it with their sizes. */
  describe(): string {
    return this.constructor.name;
  }
}

/** What came in place of a tensor, for loadStateDict's messages: a plain array or null said as such. */
function describeEntry(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return `an object without shape and data (keys: ${Object.keys(v).slice(0, 5).join(', ') || 'none'})`;
  return typeof v === 'string' ? `${JSON.stringify(v)} (a string)` : `${String(v)} (a ${typeof v})`;
}
