/**
 * GPT-2's split pattern as a hand-written scanner: the same pieces as
 * {@link GPT2_SPLIT_SOURCE} (tests compare them on real text and random strings) at several
 * times the speed of the regular expression, which dominated encoding time.
 */

const OTHER = 0;
const LETTER = 1;
const NUMBER = 2;
const SPACE = 3;
const SURROGATE = 4;

let bmpClasses: Uint8Array | undefined;
const astralClasses = new Map<number, number>();
const LETTER_TEST = /^\p{L}$/u;
const NUMBER_TEST = /^\p{N}$/u;

/** Class of every BMP code unit, built once with the regex engine's own Unicode tables. */
function buildBmpClasses(): Uint8Array {
  const classes = new Uint8Array(0x10000);
  const units: number[] = [];
  for (let unit = 0; unit < 0x10000; unit++) if (unit < 0xd800 || unit > 0xdfff) units.push(unit);
  let all = '';
  for (let start = 0; start < units.length; start += 4096) all += String.fromCharCode(...units.slice(start, start + 4096));
  const mark = (regex: RegExp, value: number) => {
    for (const match of all.matchAll(regex)) {
      for (let i = 0; i < match[0].length; i++) classes[match[0].charCodeAt(i)] = value;
    }
  };
  mark(/\p{L}+/gu, LETTER);
  mark(/\p{N}+/gu, NUMBER);
  // Unicode White_Space: what \s means in GPT-2's Python regex (see pre-tokenizer.ts).
  mark(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu, SPACE);
  classes.fill(SURROGATE, 0xd800, 0xe000);
  return classes;
}

function astralClass(codePoint: number): number {
  let value = astralClasses.get(codePoint);
  if (value === undefined) {
    const char = String.fromCodePoint(codePoint);
    value = LETTER_TEST.test(char) ? LETTER : NUMBER_TEST.test(char) ? NUMBER : OTHER;
    astralClasses.set(codePoint, value);
  }
  return value;
}

/**
 * Calls `onPiece(start, end)` for each GPT-2 pre-token of `text`, in order; the pieces tile the
 * text. Equivalent to running `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
 * with `\s` as Unicode White_Space.
 */
export function splitGpt2(text: string, onPiece: (start: number, end: number) => void): void {
  const classes = (bmpClasses ??= buildBmpClasses());
  const length = text.length;
  // Class and width (1 or 2 code units) of the code point at `index`.
  let width = 1;
  const classAt = (index: number): number => {
    const unit = text.charCodeAt(index);
    const value = classes[unit]!;
    width = 1;
    if (value !== SURROGATE) return value;
    if (unit <= 0xdbff && index + 1 < length) {
      const low = text.charCodeAt(index + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        width = 2;
        return astralClass(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
      }
    }
    return OTHER; // a lone surrogate is category Cs
  };

  let start = 0;
  while (start < length) {
    const unit = text.charCodeAt(start);
    // 's 't 're 've 'm 'll 'd
    if (unit === 0x27 && start + 1 < length) {
      const next = text.charCodeAt(start + 1);
      if (next === 0x73 || next === 0x74 || next === 0x6d || next === 0x64) {
        onPiece(start, start + 2);
        start += 2;
        continue;
      }
      if (start + 2 < length) {
        const after = text.charCodeAt(start + 2);
        if ((after === 0x65 && (next === 0x72 || next === 0x76)) || (after === 0x6c && next === 0x6c)) {
          onPiece(start, start + 3);
          start += 3;
          continue;
        }
      }
    }
    let runStart = start;
    let runClass = classAt(start);
    let runWidth = width;
    // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a plain space joins the run after it.
    if (unit === 0x20 && start + 1 < length) {
      const nextClass = classAt(start + 1);
      if (nextClass !== SPACE) {
        runStart = start + 1;
        runClass = nextClass;
        runWidth = width;
      }
    }
    if (runClass !== SPACE) {
      let end = runStart + runWidth;
      while (end < length && classAt(end) === runClass) end += width;
      onPiece(start, end);
      start = end;
      continue;
    }
    // `\s+(?!\S)|\s+`: a whitespace run leaves its last character to the word that follows.
    let end = start + 1;
    while (end < length && classAt(end) === SPACE) end++;
    if (end < length && end - start >= 2) end--;
    onPiece(start, end);
    start = end;
  }
}
