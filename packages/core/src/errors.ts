/**
 * Base class of every error InstructKit throws on purpose. `code` is stable and
 * machine-readable; the message says what to fix.
 */
export class InstructKitError extends Error {
  /** Stable identifier, e.g. `invalid-record`, `checkpoint-corrupt`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A record in a data file failed validation. The message reads
 * `prompts.jsonl:42: order[2]: index 5 is out of range for 3 completions`.
 */
export class InvalidRecordError extends InstructKitError {
  /** Path of the file as the user gave it. */
  readonly file: string;
  /** 1-based line number (1 for a whole-file problem). */
  readonly line: number;
  /** Dotted/indexed path of the offending field, e.g. `order[2]`; empty for the whole record. */
  readonly field: string;
  /** What was wrong, without the location prefix. */
  readonly reason: string;

  constructor(file: string, line: number, field: string, reason: string, options?: { cause?: unknown }) {
    super('invalid-record', `${file}:${line}: ${field ? `${field}: ` : ''}${reason}`, options);
    this.file = file;
    this.line = line;
    this.field = field;
    this.reason = reason;
  }
}

/** A file that is not a record stream (tokenizer.json, safetensors, config.json) is malformed. */
export class InvalidFileError extends InstructKitError {
  /** Path of the file as the user gave it. */
  readonly file: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('invalid-file', `${file}: ${reason}`, options);
    this.file = file;
  }
}

/** An argument passed to a public function is invalid (wrong shape, out of range, inconsistent). */
export class InvalidArgumentError extends InstructKitError {
  /** Name of the argument or settings field, e.g. `sampling.topP`. */
  readonly argument: string;

  constructor(argument: string, reason: string, options?: { cause?: unknown }) {
    super('invalid-argument', `${argument}: ${reason}`, options);
    this.argument = argument;
  }
}

/** A requested feature is not available in this engine or environment (say what to install instead). */
export class UnsupportedError extends InstructKitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unsupported', message, options);
  }
}

/** A checkpoint could not be written, read, or does not match the model it is loaded into. */
export class CheckpointError extends InstructKitError {
  /** Checkpoint directory or file. */
  readonly path: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('checkpoint', `${path}: ${reason}`, options);
    this.path = path;
  }
}
