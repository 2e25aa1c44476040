import { InvalidRecordError } from '@instructkit/core';
import type { z } from 'zod';

/**
 * Formats a zod issue path as the `field` of an `InvalidRecordError`:
 * `['completions', 1, 'text']` → `completions[1].text`; a leading index (a JSON array
 * element) gives `[3].order`.
 */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let field = '';
  for (const key of path) {
    if (typeof key === 'number') field += `[${key}]`;
    else field += field === '' ? String(key) : `.${String(key)}`;
  }
  return field;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  // zod's default messages say "Invalid input: expected string, received number"; keep
  // them, but name the received value for range errors, which is what a user searches for.
  if ((issue.code === 'too_small' || issue.code === 'too_big') && typeof value === 'number') {
    return `${issue.message} (got ${value})`;
  }
  if (issue.code === 'unrecognized_keys') return issue.message;
  return issue.message;
}

function valueAt(record: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Outcome of {@link validateRecord}: the parsed record, or one error per problem found. */
export type ValidationResult<T> = { readonly ok: true; readonly record: T } | { readonly ok: false; readonly errors: InvalidRecordError[] };

/**
 * Checks one parsed JSON value against a record schema and turns every zod issue into
 * an `InvalidRecordError` located at `file:line:field`.
 *
 * @param value - The parsed JSON value.
 * @param schema - A record schema such as `Ranking`.
 * @param location - Where the value came from, for the error messages.
 * @returns The parsed record (defaults applied, unknown keys stripped) or the errors.
 */
export function validateRecord<Schema extends z.ZodType>(
  value: unknown,
  schema: Schema,
  location: { readonly file: string; readonly line: number; readonly fieldPrefix?: readonly PropertyKey[] },
): ValidationResult<z.output<Schema>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, record: parsed.data };
  const prefix = location.fieldPrefix ?? [];
  const errors = parsed.error.issues.map(
    (issue) =>
      new InvalidRecordError(
        location.file,
        location.line,
        formatFieldPath([...prefix, ...issue.path]),
        describeIssue(issue, valueAt(value, issue.path)),
      ),
  );
  return { ok: false, errors };
}
