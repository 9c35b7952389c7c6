// A fixed-size ring: appending never copies what is already held, and once full each new item
// overwrites the oldest. The live tail appends thousands of records a second; copying a 5,000-row
// (or 20,000-row paused) array on every WebSocket frame was most of the buffer's cost.

export interface Ring<T> {
  /** Appends in order; returns how many items (old or new) did not fit and are gone. */
  push(items: readonly T[]): number;
  /** The items, oldest first, as a new array. */
  toArray(): T[];
  /** The items, oldest first, and empties the ring. */
  drain(): T[];
  clear(): void;
  readonly length: number;
}

export function createRing<T>(capacity: number): Ring<T> {
  if (!Number.isInteger(capacity) || capacity <= 0)
    throw new Error(`ring capacity must be > 0, got ${capacity}`);
  let slots: (T | undefined)[] = new Array<T | undefined>(capacity);
  let head = 0;
  let length = 0;

  const toArray = (): T[] => {
    const out = new Array<T>(length);
    for (let i = 0; i < length; i++) out[i] = slots[(head + i) % capacity]!;
    return out;
  };
  const clear = () => {
    // A new array rather than zeroing slots, so the old records can be collected at once.
    slots = new Array<T | undefined>(capacity);
    head = 0;
    length = 0;
  };

  return {
    push(items) {
      // Only the newest `capacity` of a batch can survive; the rest are lost without being written.
      const skip = Math.max(0, items.length - capacity);
      let lost = skip;
      for (let i = skip; i < items.length; i++) {
        slots[(head + length) % capacity] = items[i];
        if (length < capacity) length++;
        else {
          head = (head + 1) % capacity;
          lost++;
        }
      }
      return lost;
    },
    toArray,
    drain() {
      const out = toArray();
      clear();
      return out;
    },
    clear,
    get length() {
      return length;
    },
  };
}
