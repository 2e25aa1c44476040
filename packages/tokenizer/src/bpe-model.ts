import { BYTE_TO_UNICODE, bytesToTokenString, encodeUtf8Into } from './byte-level';
import { PairTable } from './pair-table';

/** Pieces longer than this (in bytes) are merged with a heap instead of repeated scans. */
const LONG_PIECE_BYTES = 128;
/** Cached pre-tokens before the cache is emptied and starts over (bounds memory). */
const DEFAULT_CACHE_ENTRIES = 1 << 16;
/** Pre-tokens longer than this (in UTF-16 units) are not cached: they rarely repeat. */
const MAX_CACHED_PIECE_LENGTH = 64;
const NO_RANK = 0x7fffffff;

/**
 * The byte-level BPE model: merges a pre-token's bytes by rank into token ids.
 * Internal; `Tokenizer` owns one and feeds it pre-tokens.
 */
export class BpeModel {
  /** Token id of each byte (by byte value), or -1 when the vocabulary lacks the byte. */
  readonly byteIds = new Int32Array(256);
  private readonly pairs: PairTable;
  private readonly cache = new Map<string, number | Int32Array>();
  private bytes = new Uint8Array(1024);
  private parts = new Int32Array(1024);
  private pairRanks = new Int32Array(1024);

  /**
   * @param vocab byte-level token string → id.
   * @param mergeIds merges in rank order as `[leftId, rightId, resultId]`.
   * @param unknownId id used for a byte the vocabulary lacks; -1 drops such bytes (HF's behaviour without `unk_token`).
   * @param ignoreMerges when true a pre-token found whole in `vocab` is taken as is (HF's `ignore_merges`).
   */
  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    mergeIds: ReadonlyArray<readonly [number, number, number]>,
    private readonly unknownId: number,
    private readonly ignoreMerges: boolean,
    private readonly cacheEntries = DEFAULT_CACHE_ENTRIES,
  ) {
    for (let byte = 0; byte < 256; byte++) this.byteIds[byte] = vocab.get(BYTE_TO_UNICODE[byte]!) ?? -1;
    this.pairs = new PairTable(mergeIds.length);
    mergeIds.forEach(([left, right, result], rank) => this.pairs.set(left, right, rank, result));
  }

  /** Appends the ids of one pre-token to `out`. */
  encodePiece(piece: string, out: number[]): void {
    const cacheable = piece.length <= MAX_CACHED_PIECE_LENGTH;
    if (cacheable) {
      const cached = this.cache.get(piece);
      if (cached !== undefined) {
        if (typeof cached === 'number') out.push(cached);
        else for (let i = 0; i < cached.length; i++) out.push(cached[i]!);
        return;
      }
    }
    const start = out.length;
    this.mergePiece(piece, out);
    if (cacheable) {
      if (this.cache.size >= this.cacheEntries) this.cache.clear();
      const count = out.length - start;
      this.cache.set(piece, count === 1 ? out[start]! : Int32Array.from(out.slice(start)));
    }
  }

  /** Empties the pre-token cache. */
  clearCache(): void {
    this.cache.clear();
  }

  private mergePiece(piece: string, out: number[]): void {
    if (this.bytes.length < piece.length * 3) this.grow(piece.length * 3);
    const byteCount = encodeUtf8Into(piece, 0, piece.length, this.bytes);
    if (this.ignoreMerges) {
      const whole = this.vocab.get(bytesToTokenString(this.bytes.subarray(0, byteCount)));
      if (whole !== undefined) {
        out.push(whole);
        return;
      }
    }
    const parts = this.parts;
    let count = 0;
    for (let i = 0; i < byteCount; i++) {
      const id = this.byteIds[this.bytes[i]!]!;
      if (id >= 0) parts[count++] = id;
      else if (this.unknownId >= 0) parts[count++] = this.unknownId;
    }
    if (count > LONG_PIECE_BYTES) count = this.mergeLong(count);
    else count = this.mergeShort(count);
    for (let i = 0; i < count; i++) out.push(parts[i]!);
  }

  /** Lowest rank first, leftmost on ties: the order of HF tokenizers and tiktoken. O(n²) but n is small. */
  private mergeShort(initialCount: number): number {
    const parts = this.parts;
    const ranks = this.pairRanks;
    const pairs = this.pairs;
    let count = initialCount;
    for (let i = 0; i + 1 < count; i++) ranks[i] = pairs.rank(parts[i]!, parts[i + 1]!);
    while (count > 1) {
      let best = NO_RANK;
      let at = -1;
      for (let i = 0; i + 1 < count; i++) {
        if (ranks[i]! < best) {
          best = ranks[i]!;
          at = i;
        }
      }
      if (at < 0) break;
      parts[at] = pairs.result(parts[at]!, parts[at + 1]!);
      count--;
      for (let i = at + 1; i < count; i++) parts[i] = parts[i + 1]!;
      for (let i = at + 1; i + 1 < count; i++) ranks[i] = ranks[i + 1]!;
      if (at > 0) ranks[at - 1] = pairs.rank(parts[at - 1]!, parts[at]!);
      if (at + 1 < count) ranks[at] = pairs.rank(parts[at]!, parts[at + 1]!);
    }
    return count;
  }

  /** Same order as {@link mergeShort} with a linked list and a binary heap: O(n log n) for long runs. */
  private mergeLong(count: number): number {
    const parts = this.parts;
    const pairs = this.pairs;
    const next = new Int32Array(count);
    const previous = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      next[i] = i + 1 < count ? i + 1 : -1;
      previous[i] = i - 1;
    }
    // Heap keys are rank * count + position: lowest rank first, then leftmost position.
    const heap: number[] = [];
    const push = (key: number) => {
      let index = heap.push(key) - 1;
      while (index > 0) {
        const parent = (index - 1) >> 1;
        if (heap[parent]! <= key) break;
        heap[index] = heap[parent]!;
        index = parent;
      }
      heap[index] = key;
    };
    const pop = (): number => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        let index = 0;
        for (;;) {
          let child = 2 * index + 1;
          if (child >= heap.length) break;
          if (child + 1 < heap.length && heap[child + 1]! < heap[child]!) child++;
          if (heap[child]! >= last) break;
          heap[index] = heap[child]!;
          index = child;
        }
        heap[index] = last;
      }
      return top;
    };
    const pushPair = (position: number) => {
      const right = next[position]!;
      if (position < 0 || right < 0) return;
      const rank = pairs.rank(parts[position]!, parts[right]!);
      if (rank !== NO_RANK) push(rank * count + position);
    };
    for (let i = 0; i + 1 < count; i++) pushPair(i);
    const removed = new Uint8Array(count);
    while (heap.length > 0) {
      const key = pop();
      const position = key % count;
      const rank = (key - position) / count;
      const right = next[position]!;
      if (removed[position] || right < 0 || pairs.rank(parts[position]!, parts[right]!) !== rank) continue;
      parts[position] = pairs.result(parts[position]!, parts[right]!);
      removed[right] = 1;
      next[position] = next[right]!;
      if (next[right]! >= 0) previous[next[right]!] = position;
      pushPair(previous[position]!);
      pushPair(position);
    }
    let written = 0;
    for (let i = 0; i >= 0 && i < count; i = next[i]!) parts[written++] = parts[i]!;
    return written;
  }

  private grow(size: number): void {
    this.bytes = new Uint8Array(size);
    this.parts = new Int32Array(size);
    this.pairRanks = new Int32Array(size);
  }
}
