import { InvalidFileError } from '@instructkit/core';

/**
 * A tokenizer file (`tokenizer.json`, `vocab.json`, `merges.txt`, `tokenizer_config.json`)
 * is malformed. The message reads `merges.txt: line 12: expected two tokens separated by one space, got "Ġt"`
 * or `tokenizer.json: line 50270: model.merges[11]: merge of unknown token "xx" (not in model.vocab)`.
 */
export class TokenizerFileError extends InvalidFileError {
  /** 1-based line in the file; for a JSON field, the line where the field starts. `undefined` for a missing field. */
  readonly line: number | undefined;
  /** Path of the offending JSON field, e.g. `model.merges[11]`; empty for the whole file or a text line. */
  readonly field: string;
  /** What was wrong, without the location prefix. */
  readonly reason: string;

  constructor(file: string, location: { line?: number; field?: string }, reason: string, options?: { cause?: unknown }) {
    const where = [location.line !== undefined ? `line ${location.line}` : '', location.field ?? ''].filter(Boolean).join(': ');
    super(file, where ? `${where}: ${reason}` : reason, options);
    this.line = location.line;
    this.field = location.field ?? '';
    this.reason = reason;
  }
}
