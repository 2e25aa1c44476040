import { readFile } from 'node:fs/promises';
import { parse as parseJson, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { InvalidFileError, InvalidRecordError } from '@instructkit/core';

/**
 * Reads a YAML or JSON config file (JSON is read by the same YAML parser, so both get
 * line numbers), applies CLI overrides (`dotted.path` → value), and validates it with a
 * zod schema. Errors name the file, the line of the offending field and the field:
 * `sft.yaml:7: optimization.optimizer.learningRate: Too small: expected number to be >0`.
 *
 * @param file Path of the config file.
 * @param schema The command's zod schema.
 * @param overrides Values from CLI flags, by dotted path; `undefined` values are ignored.
 * @throws InvalidFileError when the file cannot be read or parsed, InvalidRecordError when a field is invalid.
 */
export async function loadConfigFile<Schema extends z.ZodType>(
  file: string,
  schema: Schema,
  overrides: Readonly<Record<string, unknown>> = {},
): Promise<z.output<Schema>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidFileError(file, `cannot read the config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  text = text.replace(/^\uFEFF/, '');
  if (file.toLowerCase().endsWith('.json')) {
    // YAML would accept sloppy JSON (`"steps": }` reads as null); hold .json files to JSON.
    // jsonc-parser reports offsets; Node 20's JSON.parse errors carry no position.
    const errors: ParseError[] = [];
    parseJson(text, errors, { disallowComments: true, allowTrailingComma: false });
    if (errors.length > 0) {
      const { error, offset } = errors[0]!;
      const line = text.slice(0, offset).split('\n').length;
      throw new InvalidRecordError(file, line, '', `not valid JSON: ${printParseErrorCode(error)}`);
    }
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0]?.line ?? 1;
    throw new InvalidRecordError(file, line, '', `not valid YAML/JSON: ${first.message.split('\n')[0]}`);
  }
  const value = (document.toJS() ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRecordError(file, 1, '', 'expected a mapping of settings at the top level');
  }
  for (const [dottedPath, overrideValue] of Object.entries(overrides)) {
    if (overrideValue !== undefined) setPath(value, dottedPath.split('.'), overrideValue);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // An unknown key is reported at the key itself, not at its parent object.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const message = issue.code === 'unrecognized_keys' ? 'unknown setting (check its spelling)' : issue.message;
  throw new InvalidRecordError(file, lineOf(document, lineCounter, path), formatPath(path), message);
}

function setPath(target: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** `optimizer.betas[1]` style path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** Line of the deepest existing node on the path (overridden or missing fields point at their parent). */
function lineOf(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}
