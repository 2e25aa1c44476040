/** One top-level element of a JSON array, located in the file. */
export interface JsonArrayElement {
  /** 0-based position in the array. */
  readonly index: number;
  /** 1-based line where the element starts. */
  readonly line: number;
  /** The element's bytes (not yet parsed). */
  readonly bytes: Buffer;
}

/**
 * Finds the top-level elements of a JSON array without parsing them, so each can be
 * parsed and reported on its own (`file:line: [3].order[2]: …`). Works on raw UTF-8
 * bytes: every structural character is ASCII. Problems with the array itself (not an
 * array, unterminated) come back in `problems`.
 */
export function scanJsonArray(bytes: Buffer): { elements: JsonArrayElement[]; problems: { line: number; reason: string }[] } {
  const elements: JsonArrayElement[] = [];
  const problems: { line: number; reason: string }[] = [];
  let position = 0;
  let line = 1;
  const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
  while (position < bytes.length && isSpace(bytes[position]!)) {
    if (bytes[position] === 0x0a) line += 1;
    position += 1;
  }
  if (bytes[position] !== 0x5b /* [ */) {
    problems.push({ line, reason: 'expected a JSON array of records (the file does not start with "[")' });
    return { elements, problems };
  }
  position += 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let startLine = line;
  let closed = false;
  const pushElement = (end: number) => {
    if (start === -1) return;
    elements.push({ index: elements.length, line: startLine, bytes: bytes.subarray(start, end) });
    start = -1;
  };
  for (; position < bytes.length; position += 1) {
    const byte = bytes[position]!;
    if (byte === 0x0a) line += 1;
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === 0x5c) escaped = true;
      else if (byte === 0x22) inString = false;
      continue;
    }
    if (start === -1 && !isSpace(byte) && !(depth === 0 && (byte === 0x2c || byte === 0x5d))) {
      start = position;
      startLine = line;
    }
    if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) depth += 1;
    else if (byte === 0x7d || (byte === 0x5d && depth > 0)) depth -= 1;
    else if (depth === 0 && byte === 0x2c) pushElement(position);
    else if (depth === 0 && byte === 0x5d) {
      pushElement(position);
      closed = true;
      break;
    }
  }
  if (!closed) {
    // A truncated file: hand the partial element to JSON.parse, which says why it fails.
    pushElement(bytes.length);
    problems.push({ line, reason: 'unterminated JSON array (the file ends before "]")' });
  }
  return { elements, problems };
}
