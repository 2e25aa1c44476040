/**
 * An open-addressing hash table from a token-id pair to its merge (rank and resulting id),
 * held in typed arrays. The encoder's hot loop looks a pair up for every adjacent pair it
 * considers; integer keys in flat arrays avoid the string keys (`"12,34"`) and boxed
 * numbers a `Map` would need for pairs of ids above 2^15.
 */
export class PairTable {
  private readonly mask: number;
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly ranks: Int32Array;
  private readonly results: Int32Array;

  /** @param capacityHint number of pairs that will be inserted. */
  constructor(capacityHint: number) {
    let capacity = 16;
    while (capacity < capacityHint * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.lefts = new Int32Array(capacity).fill(-1);
    this.rights = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.results = new Int32Array(capacity);
  }

  private slot(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right, 0x85ebca6b)) >>> 0;
  }

  /** Inserts a pair unless present (the first, lowest-rank merge of a pair wins, as in HF). */
  set(left: number, right: number, rank: number, result: number): void {
    let index = this.slot(left, right) & this.mask;
    while (this.lefts[index] !== -1) {
      if (this.lefts[index] === left && this.rights[index] === right) return;
      index = (index + 1) & this.mask;
    }
    this.lefts[index] = left;
    this.rights[index] = right;
    this.ranks[index] = rank;
    this.results[index] = result;
  }

  /** Slot of the pair, or -1 when the pair has no merge. */
  find(left: number, right: number): number {
    let index = this.slot(left, right) & this.mask;
    for (;;) {
      const stored = this.lefts[index]!;
      if (stored === -1) return -1;
      if (stored === left && this.rights[index] === right) return index;
      index = (index + 1) & this.mask;
    }
  }

  /** Merge rank of the pair, or `2^31 - 1` when the pair has no merge. */
  rank(left: number, right: number): number {
    const index = this.find(left, right);
    return index === -1 ? 0x7fffffff : this.ranks[index]!;
  }

  /** Id of the token the pair merges into; only valid for a pair that has a merge. */
  result(left: number, right: number): number {
    return this.results[this.find(left, right)]!;
  }
}
