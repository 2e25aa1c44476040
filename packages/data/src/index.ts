/**
 * @packageDocumentation
 * InstructGPT record formats, streaming JSONL I/O with file:line:field errors, converters, prompt hygiene and collation.
 */
export const PACKAGE_NAME = '@instructkit/data';
