// A Bloom filter over strings: "certainly never seen" in a few hash probes, so the derivations can
// skip an index lookup for the common case of a new id (a new event id, a new order key, a new
// chain). A "maybe" falls back to the store, so false positives only cost the lookup they save.
// Deleted rows stay in the filter; that too only costs a lookup.

export class BloomFilter {
  readonly #bits: Uint32Array;
  readonly #mask: number;
  readonly #hashes: number;

  /** `log2Bits` sizes the filter: 2^26 bits (8 MiB) keeps false positives under 0.1 % to ~4M keys. */
  constructor(log2Bits = 26, hashes = 4) {
    this.#bits = new Uint32Array(2 ** (log2Bits - 5));
    this.#mask = 2 ** log2Bits - 1;
    this.#hashes = hashes;
  }

  #probe(s: string, f: (bit: number) => boolean): boolean {
    // Two 32-bit FNV-1a variants combined by double hashing (Kirsch–Mitzenmacher).
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h2 ^= h2 >>> 15;
    h2 |= 1;
    for (let i = 0; i < this.#hashes; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.#mask;
      if (!f(bit >>> 0)) return false;
    }
    return true;
  }

  add(s: string): void {
    const bits = this.#bits;
    this.#probe(s, (b) => {
      bits[b >>> 5]! |= 1 << (b & 31);
      return true;
    });
  }

  /** false: certainly never added. true: maybe. */
  has(s: string): boolean {
    const bits = this.#bits;
    return this.#probe(s, (b) => (bits[b >>> 5]! & (1 << (b & 31))) !== 0);
  }
}

/**
 * A Map bounded by entry count that forgets the oldest-inserted entry first. Reads do not
 * refresh an entry (a Map delete + set per hit cost more than the lookups it saves); ids here are
 * hot for a short while after they are first written, which insertion order already captures.
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  get(k: K): V | undefined {
    return this.#map.get(k);
  }
  has(k: K): boolean {
    return this.#map.has(k);
  }
  set(k: K, v: V): void {
    if (!this.#map.has(k) && this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(k, v);
  }
  delete(k: K): void {
    this.#map.delete(k);
  }
  clear(): void {
    this.#map.clear();
  }
  get size(): number {
    return this.#map.size;
  }
}
