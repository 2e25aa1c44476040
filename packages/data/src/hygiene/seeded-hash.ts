/**
 * 32-bit FNV-1a of `seed:key`, then a murmur3 finaliser for avalanche. Deterministic
 * across platforms and runs; used to pick and split by user without a shuffle, so the
 * result does not depend on input order.
 */
export function seededHash(seed: number, key: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  hash = Math.imul(hash, 0x01000193);
  for (let index = 0; index < key.length; index += 1) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
