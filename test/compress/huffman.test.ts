import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FormatError } from '../../core/index.js';
import { huffmanDecode, huffmanEncode } from '../../compress/huffman.js';

describe('canonical Huffman coding', () => {
  it('Huffman coding round-trips any byte stream', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 2000 }), fc.integer({ min: 1, max: 256 }), (raw, alphabet) => {
      const data = raw.map((b) => b % alphabet);
      const { bits, lengths } = huffmanEncode(data);
      expect(Array.from(huffmanDecode(bits, lengths, data.length))).toEqual(Array.from(data));
    }), { numRuns: 60 });
    const skewed = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 7 : 1));
    expect(huffmanEncode(skewed).bits.length).toBeLessThan(200);
    expect(() => huffmanDecode(new Uint8Array(1), huffmanEncode(skewed).lengths, 100)).toThrow(FormatError);
  });

  it('a lone symbol and an empty stream work', () => {
    const one = huffmanEncode(new Uint8Array(5).fill(9));
    expect(Array.from(huffmanDecode(one.bits, one.lengths, 5))).toEqual([9, 9, 9, 9, 9]);
    expect(huffmanEncode(new Uint8Array(0)).bits.length).toBe(0);
  });
});
