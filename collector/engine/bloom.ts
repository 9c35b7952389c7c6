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

  // The two hashes of the string being probed, in fields: a probe allocates nothing (it took a
  // callback, a closure per call, on a path taken several times per record).
  #h1 = 0;
  #h2 = 0;

  #hash(s: string): void {
    // Two 32-bit FNV-1a variants combined by double hashing (Kirsch–Mitzenmacher).
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    h2 ^= h2 >>> 15;
    this.#h1 = h1;
    this.#h2 = h2 | 1;
  }

  add(s: string): void {
    this.#hash(s);
    const bits = this.#bits;
    for (let i = 0; i < this.#hashes; i++) {
      const b = ((this.#h1 + Math.imul(i, this.#h2)) & this.#mask) >>> 0;
      bits[b >>> 5]! |= 1 << (b & 31);
    }
  }

  /** false: certainly never added. true: maybe. */
  has(s: string): boolean {
    this.#hash(s);
    const bits = this.#bits;
    for (let i = 0; i < this.#hashes; i++) {
      const b = ((this.#h1 + Math.imul(i, this.#h2)) & this.#mask) >>> 0;
      if ((bits[b >>> 5]! & (1 << (b & 31))) === 0) return false;
    }
    return true;
  }
}

/**
 * A Map bounded by entry count, in two generations: writes go to the young map; when it is full it
 * becomes the old one and the previous old one is dropped whole. Reads look in both. Eviction is
 * O(1) with no iterator per write (an LRU's delete + re-insert or a FIFO's oldest-key lookup cost
 * more than the lookups they save); ids here are hot for a short while after they are written,
 * which generations capture. Holds between max/2 and max entries once warm.
 */
export class BoundedMap<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  readonly #half: number;
  constructor(max: number) {
    this.#half = Math.max(1, Math.floor(max / 2));
  }
  get(k: K): V | undefined {
    const v = this.#young.get(k);
    return v !== undefined ? v : this.#old.get(k);
  }
  has(k: K): boolean {
    return this.#young.has(k) || this.#old.has(k);
  }
  set(k: K, v: V): void {
    this.#old.delete(k);
    this.#young.set(k, v);
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }
  delete(k: K): void {
    this.#young.delete(k);
    this.#old.delete(k);
  }
  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
  get size(): number {
    return this.#young.size + this.#old.size;
  }
}
