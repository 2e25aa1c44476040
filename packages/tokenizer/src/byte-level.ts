/**
 * GPT-2's byte-level alphabet: every byte 0–255 gets a printable Unicode character so
 * that a vocabulary of byte strings can be stored as ordinary JSON strings
 * (`Ġ` is the space byte 0x20, `Ċ` is `\n`). Same table as OpenAI's `bytes_to_unicode()`
 * and Hugging Face's `ByteLevel` pre-tokenizer.
 */

function buildByteToUnicode(): string[] {
  // Printable Latin-1 bytes keep their own character; the rest are shifted past 0xFF,
  // in byte order, exactly as OpenAI's encoder.py does.
  const table = new Array<string>(256);
  const printable = (byte: number) =>
    (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    table[byte] = String.fromCharCode(printable(byte) ? byte : 256 + shifted++);
  }
  return table;
}

/** Character standing for each byte, indexed by byte value (256 entries). */
export const BYTE_TO_UNICODE: readonly string[] = buildByteToUnicode();

/** Inverse of {@link BYTE_TO_UNICODE}: UTF-16 code unit of the stand-in character → byte, or -1. */
export const UNICODE_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x200).fill(-1);
  BYTE_TO_UNICODE.forEach((char, byte) => {
    table[char.charCodeAt(0)] = byte;
  });
  return table;
})();

/**
 * The 256 byte characters in the order GPT-2's `encoder.json` gives them ids 0–255:
 * printable bytes first (`!` … `ÿ`), then the shifted ones. Trained vocabularies use the
 * same order so that their first 256 ids coincide with GPT-2's.
 */
export const GPT2_BYTE_ORDER: readonly number[] = (() => {
  const printable: number[] = [];
  const rest: number[] = [];
  for (let byte = 0; byte < 256; byte++) {
    (BYTE_TO_UNICODE[byte]!.charCodeAt(0) === byte ? printable : rest).push(byte);
  }
  return [...printable, ...rest];
})();

/** Maps a byte string to its byte-level token string (`[0x20, 0x74]` → `Ġt`). */
export function bytesToTokenString(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_UNICODE[bytes[i]!];
  return out;
}

/**
 * Maps a byte-level token string back to bytes; `undefined` when a character is not one of
 * the 256 stand-ins (such a token is not a byte-level token, e.g. an added `<|user|>`).
 */
export function tokenStringToBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const byte = code < 0x200 ? UNICODE_TO_BYTE[code]! : -1;
    if (byte < 0) return undefined;
    bytes[i] = byte;
  }
  return bytes;
}

/**
 * Writes the UTF-8 encoding of `text[start, end)` into `out` from index 0 and returns the
 * byte count. `out` must hold at least `3 * (end - start)` bytes. Lone surrogates become
 * U+FFFD, as `TextEncoder` does. Hand-written because the encoder's hot loop calls it per
 * pre-token, where `TextEncoder.encode` would allocate.
 */
export function encodeUtf8Into(text: string, start: number, end: number, out: Uint8Array): number {
  let length = 0;
  for (let i = start; i < end; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      out[length++] = code;
    } else if (code < 0x800) {
      out[length++] = 0xc0 | (code >> 6);
      out[length++] = 0x80 | (code & 0x3f);
    } else {
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = i + 1 < end ? text.charCodeAt(i + 1) : 0;
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[length++] = 0xf0 | (code >> 18);
          out[length++] = 0x80 | ((code >> 12) & 0x3f);
          out[length++] = 0x80 | ((code >> 6) & 0x3f);
          out[length++] = 0x80 | (code & 0x3f);
          continue;
        }
        code = 0xfffd;
      }
      out[length++] = 0xe0 | (code >> 12);
      out[length++] = 0x80 | ((code >> 6) & 0x3f);
      out[length++] = 0x80 | (code & 0x3f);
    }
  }
  return length;
}
