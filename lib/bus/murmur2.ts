// Kafka's default partitioner for keyed records: murmur2 (seed 0x9747b28c) of the key bytes,
// made positive by masking the sign bit, modulo the partition count. kafkajs 2.x's default
// (Java-compatible) partitioner does the same, so the embedded bus places a key on the partition
// a real cluster would.

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4]! & 0xff) |
      ((data[i4 + 1]! & 0xff) << 8) |
      ((data[i4 + 2]! & 0xff) << 16) |
      ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  const rem = length & 3;
  if (rem === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rem >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rem >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}
