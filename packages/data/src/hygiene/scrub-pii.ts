import { isIPv4, isIPv6 } from 'node:net';

/** Kinds of personal or secret data {@link scrubPii} finds; each is replaced by `[TYPE]`. */
export type PiiType = 'EMAIL' | 'PHONE' | 'CREDIT_CARD' | 'IBAN' | 'IP' | 'SSN' | 'SECRET' | 'URL_CREDENTIALS';

/** Every {@link PiiType}, in the order overlapping matches are resolved (first wins). */
export const PII_TYPES: readonly PiiType[] = ['URL_CREDENTIALS', 'SECRET', 'EMAIL', 'IBAN', 'CREDIT_CARD', 'SSN', 'IP', 'PHONE'];

/** One removed span, located in the original text (UTF-16 code-unit offsets, `end` exclusive). */
export interface PiiFinding {
  /** What was found. */
  readonly type: PiiType;
  /** Offset of the first removed character in the input. */
  readonly start: number;
  /** Offset just past the last removed character in the input. */
  readonly end: number;
}

/** Result of {@link scrubPii}. */
export interface ScrubResult {
  /** The text with each finding replaced by its placeholder, e.g. `[EMAIL]`. */
  readonly text: string;
  /** What was removed where, in order of position. */
  readonly findings: PiiFinding[];
}

/** Settings of {@link scrubPii}. */
export interface ScrubPiiOptions {
  /** Which types to look for. Default: all of {@link PII_TYPES}. */
  readonly types?: readonly PiiType[];
  /** Placeholder for a type. Default: `[TYPE]`, e.g. `[CREDIT_CARD]`. */
  readonly placeholder?: (type: PiiType) => string;
}

interface Candidate {
  readonly type: PiiType;
  readonly start: number;
  readonly end: number;
}

/** Luhn checksum (ISO/IEC 7812) over a string of digits. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** IBAN check (ISO 13616): move the first four characters to the end, letters to numbers, mod 97 must be 1. */
export function isIbanValid(iban: string): boolean {
  const compact = iban.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const value = character >= 'A' ? character.charCodeAt(0) - 55 : character.charCodeAt(0) - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

// Issuer prefixes of the major networks: cuts false positives from Luhn-valid order numbers.
const CARD_PREFIX = /^(4|5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720)|3[47]|3(0[0-5]|[68])|6(011|5|4[4-9]|22)|35(2[89]|[3-8]))/;

const IBAN_SHAPE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;

function* matches(pattern: RegExp, text: string): Generator<RegExpExecArray> {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    yield match;
    if (match[0].length === 0) pattern.lastIndex += 1;
  }
}

/** Span of capture group 1 when present (the value after a label), else of the whole match. */
function spanOf(match: RegExpExecArray, type: PiiType): Candidate {
  if (match[1] !== undefined && match.indices?.[1]) {
    const [start, end] = match.indices[1];
    return { type, start, end };
  }
  return { type, start: match.index, end: match.index + match[0].length };
}

const detectors: Record<PiiType, (text: string) => Candidate[]> = {
  URL_CREDENTIALS: (text) =>
    [...matches(/\b[a-z][a-z0-9+.-]*:\/\/([^\s/?#@:]+:[^\s/?#@]+)@[^\s/?#]+/dgi, text)].map((match) => spanOf(match, 'URL_CREDENTIALS')),

  SECRET: (text) => {
    const found: Candidate[] = [];
    const known =
      /(?<![\w-])(sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|AKIA[0-9A-Z]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|[spr]k_(?:live|test)_[0-9A-Za-z]{16,}|hf_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})(?![\w-])/g;
    for (const match of matches(known, text)) found.push({ type: 'SECRET', start: match.index, end: match.index + match[0].length });
    for (const match of matches(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, text)) {
      found.push({ type: 'SECRET', start: match.index, end: match.index + match[0].length });
    }
    // A value assigned to a secret-sounding name: `api_key = "…"`, `password: …`.
    const assigned = /\b(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|token|password|passwd|pwd)\b["']?\s*[:=]\s*["']?([^\s"',;]{8,})/dgi;
    for (const match of matches(assigned, text)) found.push(spanOf(match, 'SECRET'));
    // Long random-looking tokens: mixed case and digits, not plain hex (hashes, UUIDs).
    for (const match of matches(/(?<![\w/+=-])[A-Za-z0-9_\-+/]{32,}={0,2}(?![\w/+=-])/g, text)) {
      const token = match[0];
      if (/[a-z]/.test(token) && /[A-Z]/.test(token) && /\d/.test(token) && !/^[0-9a-fA-F-]+$/.test(token) && !token.includes('/')) {
        found.push({ type: 'SECRET', start: match.index, end: match.index + token.length });
      }
    }
    return found;
  },

  EMAIL: (text) =>
    [...matches(/(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g, text)].map(
      (match) => ({ type: 'EMAIL', start: match.index, end: match.index + match[0].length }),
    ),

  IBAN: (text) =>
    [...matches(IBAN_SHAPE, text)]
      .filter((match) => isIbanValid(match[0]))
      .map((match) => ({ type: 'IBAN', start: match.index, end: match.index + match[0].length })),

  CREDIT_CARD: (text) =>
    [...matches(/(?<![\d.,-])\d(?:[ -]?\d){12,18}(?![\d,]|\.\d)/g, text)]
      .filter((match) => {
        const digits = match[0].replace(/[ -]/g, '');
        const separators = new Set(match[0].match(/[ -]/g) ?? []);
        return digits.length >= 13 && digits.length <= 19 && separators.size <= 1 && CARD_PREFIX.test(digits) && isLuhnValid(digits);
      })
      .map((match) => ({ type: 'CREDIT_CARD', start: match.index, end: match.index + match[0].length })),

  SSN: (text) => {
    const found: Candidate[] = [...matches(/(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g, text)].map((match) => ({
      type: 'SSN',
      start: match.index,
      end: match.index + match[0].length,
    }));
    // Undashed or spaced only when labelled: nine bare digits are too common otherwise.
    for (const match of matches(/\b(?:SSN|social security(?: number| no\.?)?)\s*(?:#|:|is)?\s*((?!000|666|9\d\d)\d{3}[ ]?(?!00)\d{2}[ ]?(?!0000)\d{4})(?!\d)/dgi, text)) {
      found.push(spanOf(match, 'SSN'));
    }
    return found;
  },

  IP: (text) => {
    const found: Candidate[] = [];
    for (const match of matches(/(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)/g, text)) {
      // "version 1.2.3.4" and "v1.2.3.4" are versions, not addresses.
      const before = text.slice(Math.max(0, match.index - 10), match.index).toLowerCase();
      if (isIPv4(match[0]) && !/(version\s*|\bv)$/.test(before)) found.push({ type: 'IP', start: match.index, end: match.index + match[0].length });
    }
    for (const match of matches(/(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:])/g, text)) {
      const address = match[0].replace(/%\w+$/, '');
      const hexDigits = address.replace(/:/g, '').length;
      if (isIPv6(address) && hexDigits >= 3 && /[0-9A-Fa-f]{2}/.test(address)) {
        found.push({ type: 'IP', start: match.index, end: match.index + match[0].length });
      }
    }
    return found;
  },

  PHONE: (text) => {
    const found: Candidate[] = [];
    // IBAN-shaped text (even with a bad checksum) holds digit groups that look like phone numbers.
    const ibanShaped = [...matches(IBAN_SHAPE, text)].map((match) => [match.index, match.index + match[0].length] as const);
    const accept = (start: number, value: string) => {
      // Drop a closing parenthesis that belongs to the surrounding sentence.
      while (value.endsWith(')') && value.split('(').length < value.split(')').length) value = value.slice(0, -1);
      const digits = value.replace(/\D/g, '').length;
      const end = start + value.length;
      if (digits < 7 || digits > 15 || ibanShaped.some(([ibanStart, ibanEnd]) => start < ibanEnd && end > ibanStart)) return;
      found.push({ type: 'PHONE', start, end });
    };
    // International: +CC or 00CC, then groups of digits separated by spaces, dots, dashes or parentheses.
    for (const match of matches(/(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?![\w])/g, text)) accept(match.index, match[0]);
    // North American: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567.
    // NANP area codes and exchanges start with 2–9, which rules out scores like 100-200-3000.
    for (const match of matches(/(?<![\w+.-])(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[-. ])[2-9]\d{2}[-. ]\d{4}(?![\w]|[.-]\d)/g, text)) accept(match.index, match[0]);
    // Local numbers only with a label: "tel: 030 1234567", "call me at 0176-1234567".
    for (const match of matches(/\b(?:phone|tel|telephone|mobile|cell|call(?: me)?(?: at| on)?|fax|whatsapp)\b[:.]?\s*((?:\+|0)[\d][\d ()/.-]{5,}\d)/dgi, text)) {
      const span = spanOf(match, 'PHONE');
      accept(span.start, text.slice(span.start, span.end));
    }
    return found;
  },
};

/**
 * Replaces personal and secret data in a prompt by typed placeholders, as InstructGPT
 * filtered PII from prompts before training (§3.2). Finds e-mail addresses, phone
 * numbers (international and North-American forms, or labelled local ones),
 * credit-card numbers (issuer prefix + Luhn check), IBANs (mod-97 check), IPv4/IPv6
 * addresses, US SSNs, API-key-like secrets and URLs with embedded credentials.
 * Overlapping matches are resolved in {@link PII_TYPES} order. Pattern-based: it
 * misses names and street addresses (see the package README for measured precision
 * and recall).
 *
 * @param text - The prompt.
 * @param options - Types to look for and placeholder format.
 * @returns The scrubbed text and what was removed where (offsets into `text`).
 * @example
 * ```ts
 * scrubPii('Mail me at ada@example.com').text; // 'Mail me at [EMAIL]'
 * ```
 */
export function scrubPii(text: string, options: ScrubPiiOptions = {}): ScrubResult {
  const types = options.types ?? PII_TYPES;
  const placeholder = options.placeholder ?? ((type: PiiType) => `[${type}]`);
  const accepted: Candidate[] = [];
  for (const type of PII_TYPES) {
    if (!types.includes(type)) continue;
    const candidates = detectors[type](text).sort((left, right) => right.end - right.start - (left.end - left.start));
    for (const candidate of candidates) {
      if (accepted.every((taken) => candidate.end <= taken.start || candidate.start >= taken.end)) accepted.push(candidate);
    }
  }
  accepted.sort((left, right) => left.start - right.start);
  let scrubbed = '';
  let position = 0;
  for (const finding of accepted) {
    scrubbed += text.slice(position, finding.start) + placeholder(finding.type);
    position = finding.end;
  }
  scrubbed += text.slice(position);
  return { text: scrubbed, findings: accepted.map(({ type, start, end }) => ({ type, start, end })) };
}
