import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from '../../../core/errors.js';
import { Linear, Sequential } from '../../../core/nn/layers.js';
import { Random } from '../../../core/random.js';
import type { StateDict } from '../../../core/nn/module.js';

describe('Module.loadStateDict refuses what is not a tensor, naming the key', () => {
  const net = () => new Sequential(new Linear(2, 3, { rng: new Random(1) }));
  const withWeight = (v: unknown) => ({ ...net().stateDict(), '0.weight': v }) as unknown as StateDict;

  it.each([
    ['a plain array', [1, 2, 3, 4, 5, 6], /^loadStateDict: 0\.weight must be a tensor \(or a \{ shape, data \} record\), got an array of 6$/],
    ['null', null, /^loadStateDict: 0\.weight must be a tensor \(or a \{ shape, data \} record\), got null$/],
    ['undefined under a present key', undefined, /^loadStateDict: 0\.weight must be a tensor \(or a \{ shape, data \} record\), got undefined$/],
    ['a number', 3, /^loadStateDict: 0\.weight must be a tensor \(or a \{ shape, data \} record\), got 3 \(a number\)$/],
    ['an object without shape and data', { values: [1] }, /^loadStateDict: 0\.weight must be a tensor \(or a \{ shape, data \} record\), got an object without shape and data \(keys: values\)$/],
  ])('%s', (_, value, message) => {
    const m = net();
    expect(() => m.loadStateDict(withWeight(value))).toThrow(ArgumentError);
    expect(() => m.loadStateDict(withWeight(value))).toThrow(message);
  });

  it.each([[undefined], [null], [[1, 2]]])('a state dict of %s', (sd) => {
    expect(() => net().loadStateDict(sd as unknown as StateDict)).toThrow(ArgumentError);
    expect(() => net().loadStateDict(sd as unknown as StateDict)).toThrow(/^loadStateDict: the state dict must be an object of tensors by name, got /);
  });

  it('a { shape, data } record loads, and one whose data does not fill its shape is a ShapeError', () => {
    const m = net();
    m.loadStateDict(withWeight({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }));
    expect(Array.from(m.stateDict()['0.weight'].data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => m.loadStateDict(withWeight({ shape: [3, 2], data: new Float32Array(4) }))).toThrow(ShapeError);
    expect(() => m.loadStateDict(withWeight({ shape: [3, 2], data: new Float32Array(4) }))).toThrow(/^loadStateDict: 0\.weight must hold 6 values for \[3,2\], got 4$/);
  });

  it('a key left out of a non-strict load is still skipped', () => {
    const m = net();
    const { '0.bias': _bias, ...rest } = net().stateDict();
    expect(m.loadStateDict(rest, false).missing).toEqual(['0.bias']);
  });
});
