/** A bounded map that forgets the least recently set key: dedupe memory and thread memory. */
export interface BoundedMap<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  set(key: string, value: V): void;
  /** Sets the key and says whether it was new (false: seen before). */
  add(key: string, value: V): boolean;
  readonly size: number;
}

/** Creates a bounded map holding at most `capacity` keys. */
export function createBoundedMap<V>(capacity: number): BoundedMap<V> {
  if (!(capacity > 0)) throw new RangeError('createBoundedMap: capacity must be positive.');
  const map = new Map<string, V>();
  const set = (key: string, value: V) => {
    map.delete(key);
    map.set(key, value);
    while (map.size > capacity) map.delete(map.keys().next().value as string);
  };
  return {
    get: (key) => map.get(key),
    has: (key) => map.has(key),
    set,
    add(key, value) {
      const fresh = !map.has(key);
      set(key, value);
      return fresh;
    },
    get size() {
      return map.size;
    },
  };
}
