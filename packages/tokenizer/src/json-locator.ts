/**
 * Finds where a field sits in JSON text, so that an error about `model.merges[11]` can also
 * say `line 40012`. Only used on text that `JSON.parse` accepted.
 */

function skipWhitespace(text: string, position: number): number {
  while (position < text.length && (text[position] === ' ' || text[position] === '\n' || text[position] === '\r' || text[position] === '\t')) position++;
  return position;
}

function skipString(text: string, position: number): number {
  for (position++; position < text.length; position++) {
    if (text[position] === '\\') position++;
    else if (text[position] === '"') return position + 1;
  }
  return position;
}

function skipValue(text: string, position: number): number {
  const first = text[position];
  if (first === '"') return skipString(text, position);
  if (first === '{' || first === '[') {
    let depth = 0;
    while (position < text.length) {
      const char = text[position];
      if (char === '"') {
        position = skipString(text, position);
        continue;
      }
      if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') {
        depth--;
        if (depth === 0) return position + 1;
      }
      position++;
    }
    return position;
  }
  while (position < text.length && !',}] \n\r\t'.includes(text[position]!)) position++;
  return position;
}

/** Splits `model.vocab["a b"]` / `added_tokens[3].id` into keys and indices. */
function fieldPath(field: string): (string | number)[] | undefined {
  const path: (string | number)[] = [];
  const pattern = /\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let consumed = 0;
  for (let match = pattern.exec(field); match !== null; match = pattern.exec(field)) {
    if (match[1] !== undefined) path.push(match[1]);
    else if (match[2] !== undefined) path.push(Number(match[2]));
    else path.push(JSON.parse(match[3]!) as string);
    consumed = pattern.lastIndex;
  }
  return consumed === field.length ? path : undefined;
}

/** 1-based line where `field` (e.g. `model.merges[11]`) starts in `text`, or `undefined` when it cannot be found. */
export function lineOfField(text: string, field: string): number | undefined {
  const path = fieldPath(field);
  if (path === undefined) return undefined;
  let position = 0;
  for (const segment of path) {
    position = skipWhitespace(text, position);
    if (typeof segment === 'number') {
      if (text[position] !== '[') return undefined;
      position = skipWhitespace(text, position + 1);
      for (let index = 0; index < segment; index++) {
        position = skipWhitespace(text, skipValue(text, position));
        if (text[position] !== ',') return undefined;
        position = skipWhitespace(text, position + 1);
      }
      continue;
    }
    if (text[position] !== '{') return undefined;
    position++;
    for (;;) {
      position = skipWhitespace(text, position);
      if (text[position] !== '"') return undefined;
      const keyEnd = skipString(text, position);
      const key = JSON.parse(text.slice(position, keyEnd)) as string;
      position = skipWhitespace(text, keyEnd);
      if (text[position] !== ':') return undefined;
      position = skipWhitespace(text, position + 1);
      if (key === segment) break;
      position = skipWhitespace(text, skipValue(text, position));
      if (text[position] !== ',') return undefined;
      position++;
    }
  }
  let line = 1;
  for (let index = 0; index < position; index++) if (text.charCodeAt(index) === 10) line++;
  return line;
}
