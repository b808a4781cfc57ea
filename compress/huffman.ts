// Canonical Huffman coding of byte streams (Deep Compression's last stage). The code is described by one
// length per byte value (0 = absent); bits are written MSB first. Decoding walks lengths as zlib's puff does.
import { ArgumentError, FormatError } from '../core/index.js';

/** Code lengths for the byte frequencies of `data` (a lone symbol gets length 1). */
export function huffmanLengths(data: Uint8Array): Uint8Array {
  const freq = new Float64Array(256);
  for (let i = 0; i < data.length; i++) freq[data[i]]++;
  const lengths = new Uint8Array(256);
  interface Node { w: number; sym: number; l?: Node; r?: Node }
  let nodes: Node[] = [];
  for (let s = 0; s < 256; s++) if (freq[s] > 0) nodes.push({ w: freq[s], sym: s });
  if (nodes.length === 0) return lengths;
  if (nodes.length === 1) { lengths[nodes[0].sym] = 1; return lengths; }
  // At most 256 leaves: a sorted array is fast enough and deterministic (ties broken by symbol).
  nodes.sort((a, b) => a.w - b.w || a.sym - b.sym);
  while (nodes.length > 1) {
    const [a, b] = [nodes[0], nodes[1]];
    const merged: Node = { w: a.w + b.w, sym: Math.min(a.sym, b.sym), l: a, r: b };
    nodes = nodes.slice(2);
    let i = 0;
    while (i < nodes.length && (nodes[i].w < merged.w || (nodes[i].w === merged.w && nodes[i].sym < merged.sym))) i++;
    nodes.splice(i, 0, merged);
  }
  const walk = (n: Node, d: number): void => {
    if (!n.l) { lengths[n.sym] = d; return; }
    walk(n.l, d + 1);
    walk(n.r!, d + 1);
  };
  walk(nodes[0], 0);
  for (const l of lengths) if (l > 56) throw new ArgumentError(`huffmanEncode: code lengths must stay <= 56, got ${l}`);
  return lengths;
}

/** Canonical codes: symbols sorted by (length, value) get consecutive codes. */
function canonicalCodes(lengths: Uint8Array): Float64Array {
  const codes = new Float64Array(256);
  const syms = [...Array(256).keys()].filter((s) => lengths[s] > 0).sort((a, b) => lengths[a] - lengths[b] || a - b);
  let code = 0, prevLen = 0;
  for (const s of syms) {
    code *= 2 ** (lengths[s] - prevLen);
    codes[s] = code;
    prevLen = lengths[s];
    code++;
  }
  return codes;
}

/** Encodes bytes; returns the bitstream (padded to a byte) and the code lengths needed to decode it. */
export function huffmanEncode(data: Uint8Array): { bits: Uint8Array; lengths: Uint8Array } {
  const lengths = huffmanLengths(data);
  const codes = canonicalCodes(lengths);
  let totalBits = 0;
  for (let i = 0; i < data.length; i++) totalBits += lengths[data[i]];
  const bits = new Uint8Array(Math.ceil(totalBits / 8));
  let pos = 0;
  for (let i = 0; i < data.length; i++) {
    const s = data[i], len = lengths[s], c = codes[s];
    for (let b = len - 1; b >= 0; b--) {
      if (Math.floor(c / 2 ** b) % 2) bits[pos >> 3] |= 0x80 >> (pos & 7);
      pos++;
    }
  }
  return { bits, lengths };
}

/** Decodes `count` symbols from a bitstream made by huffmanEncode with these lengths. */
export function huffmanDecode(bits: Uint8Array, lengths: Uint8Array, count: number, file = '<huffman>'): Uint8Array {
  if (lengths.length !== 256) throw new FormatError(`huffman: code lengths must have 256 entries, got ${lengths.length}`, file);
  const maxLen = Math.max(0, ...lengths);
  const perLen = new Int32Array(maxLen + 1);
  for (const l of lengths) if (l > 0) perLen[l]++;
  const sorted = [...Array(256).keys()].filter((s) => lengths[s] > 0).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const out = new Uint8Array(count);
  let pos = 0;
  const total = bits.length * 8;
  for (let i = 0; i < count; i++) {
    let code = 0, first = 0, index = 0;
    for (let len = 1; ; len++) {
      if (len > maxLen || pos >= total) throw new FormatError(`huffman: bitstream ends or holds an invalid code at symbol ${i} of ${count}`, file, `bit ${pos}`);
      code = code * 2 + ((bits[pos >> 3] >> (7 - (pos & 7))) & 1);
      pos++;
      const n = perLen[len];
      if (code - first < n) { out[i] = sorted[index + code - first]; break; }
      index += n;
      first = (first + n) * 2;
    }
  }
  return out;
}
