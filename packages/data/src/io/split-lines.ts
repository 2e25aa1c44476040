/** One line of a byte stream, without its line terminator. */
export interface RawLine {
  /** 1-based line number. */
  readonly line: number;
  /** The line's bytes (a trailing `\r` removed); empty when the line was too long. */
  readonly bytes: Buffer;
  /** Set when the line exceeded `maxLineBytes`: its full length in bytes, which were discarded. */
  readonly overlongBytes?: number;
}

/**
 * Splits a byte stream into lines on `\n` (a preceding `\r` is dropped), holding at
 * most one line in memory. Splitting bytes rather than decoded text keeps invalid
 * UTF-8 visible to the caller; node:readline would have replaced it silently.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<RawLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  let line = 0;

  const finish = (tail: Buffer): RawLine => {
    line += 1;
    if (overlong || pendingBytes + tail.length > maxLineBytes) {
      const total = pendingBytes + tail.length;
      pending = [];
      pendingBytes = 0;
      overlong = false;
      return { line, bytes: Buffer.alloc(0), overlongBytes: total };
    }
    let bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    return { line, bytes };
  };

  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) break;
      yield finish(chunk.subarray(start, newline));
      start = newline + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (overlong || pendingBytes + rest.length > maxLineBytes) {
        // Count but drop the bytes of an over-long line, so memory stays bounded.
        overlong = true;
        pending = [];
      } else {
        // Copy: the stream may reuse the chunk's memory.
        pending.push(Buffer.from(rest));
      }
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0 || overlong) yield finish(Buffer.alloc(0));
}
