import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InvalidFileError } from './errors';
import type { TransformerConfig } from './model-config';

type Json = Record<string, unknown>;

// Activations that are GPT-2's tanh approximation under the names HF uses.
const GPT2_ACTIVATIONS = new Set(['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast']);

class ConfigReader {
  constructor(
    readonly json: Json,
    readonly file: string,
  ) {}

  fail(field: string, reason: string): never {
    throw new InvalidFileError(this.file, `${field}: ${reason}`);
  }

  has(field: string): boolean {
    return this.json[field] !== undefined && this.json[field] !== null;
  }

  positiveInteger(field: string): number {
    const value = this.json[field];
    if (value === undefined || value === null) this.fail(field, 'is required');
    if (!Number.isSafeInteger(value) || (value as number) <= 0) this.fail(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    return value as number;
  }

  optionalPositiveInteger(field: string): number | undefined {
    return this.has(field) ? this.positiveInteger(field) : undefined;
  }

  optionalTokenId(field: string): number | undefined {
    let value = this.json[field];
    if (value === undefined || value === null) return undefined;
    // Some configs (Llama 3) list several EOS ids; the first is the canonical one.
    if (Array.isArray(value)) value = value[0];
    if (!Number.isSafeInteger(value) || (value as number) < 0) this.fail(field, `must be a non-negative integer, got ${JSON.stringify(this.json[field])}`);
    return value as number;
  }

  optionalProbability(field: string): number | undefined {
    if (!this.has(field)) return undefined;
    const value = this.json[field];
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) this.fail(field, `must be a number in [0, 1), got ${JSON.stringify(value)}`);
    return value;
  }

  optionalPositiveNumber(field: string): number | undefined {
    if (!this.has(field)) return undefined;
    const value = this.json[field];
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) this.fail(field, `must be a positive number, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalBoolean(field: string): boolean | undefined {
    if (!this.has(field)) return undefined;
    const value = this.json[field];
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function checkConsistency(config: TransformerConfig, reader: ConfigReader, names: { heads: string; hidden: string; kvHeads: string; vocab: string }): void {
  if (config.hiddenSize % config.numHeads !== 0) {
    reader.fail(names.heads, `${config.numHeads} heads do not divide the hidden size ${config.hiddenSize} (${names.hidden})`);
  }
  if (config.numKeyValueHeads !== undefined && config.numHeads % config.numKeyValueHeads !== 0) {
    reader.fail(names.kvHeads, `${config.numKeyValueHeads} key/value heads do not divide ${config.numHeads} attention heads`);
  }
  for (const field of ['bosTokenId', 'eosTokenId', 'padTokenId'] as const) {
    const id = config[field];
    if (id !== undefined && id >= config.vocabSize) reader.fail(field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`), `${id} is out of range for ${names.vocab} ${config.vocabSize}`);
  }
}

function parseGpt2(reader: ConfigReader): TransformerConfig {
  const activation = reader.json.activation_function;
  if (activation !== undefined && (typeof activation !== 'string' || !GPT2_ACTIVATIONS.has(activation))) {
    reader.fail('activation_function', `${JSON.stringify(activation)} is not supported; GPT-2 uses the tanh GELU ('gelu_new')`);
  }
  for (const flag of ['scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn'] as const) {
    if (reader.json[flag] === true) reader.fail(flag, 'true is not supported (only the original GPT-2 attention)');
  }
  if (reader.json.scale_attn_weights === false) reader.fail('scale_attn_weights', 'false is not supported (attention is always scaled by 1/sqrt(head size))');
  const dropout = withoutUndefined({
    embedding: reader.optionalProbability('embd_pdrop'),
    attention: reader.optionalProbability('attn_pdrop'),
    residual: reader.optionalProbability('resid_pdrop'),
  });
  const config: TransformerConfig = withoutUndefined({
    architecture: 'gpt2' as const,
    vocabSize: reader.positiveInteger('vocab_size'),
    contextLength: reader.has('n_positions') ? reader.positiveInteger('n_positions') : reader.positiveInteger('n_ctx'),
    hiddenSize: reader.positiveInteger('n_embd'),
    numLayers: reader.positiveInteger('n_layer'),
    numHeads: reader.positiveInteger('n_head'),
    intermediateSize: reader.optionalPositiveInteger('n_inner'),
    layerNormEpsilon: reader.optionalPositiveNumber('layer_norm_epsilon'),
    dropout: Object.keys(dropout).length > 0 ? dropout : undefined,
    tieWordEmbeddings: reader.optionalBoolean('tie_word_embeddings'),
    bosTokenId: reader.optionalTokenId('bos_token_id'),
    eosTokenId: reader.optionalTokenId('eos_token_id'),
    padTokenId: reader.optionalTokenId('pad_token_id'),
  });
  checkConsistency(config, reader, { heads: 'n_head', hidden: 'n_embd', kvHeads: 'n_head', vocab: 'vocab_size' });
  return config;
}

function parseLlama(reader: ConfigReader): TransformerConfig {
  const activation = reader.json.hidden_act;
  if (activation !== undefined && activation !== 'silu') reader.fail('hidden_act', `${JSON.stringify(activation)} is not supported; Llama uses 'silu'`);
  const attentionDropout = reader.optionalProbability('attention_dropout');
  const config: TransformerConfig = withoutUndefined({
    architecture: 'llama' as const,
    vocabSize: reader.positiveInteger('vocab_size'),
    contextLength: reader.positiveInteger('max_position_embeddings'),
    hiddenSize: reader.positiveInteger('hidden_size'),
    numLayers: reader.positiveInteger('num_hidden_layers'),
    numHeads: reader.positiveInteger('num_attention_heads'),
    numKeyValueHeads: reader.optionalPositiveInteger('num_key_value_heads'),
    intermediateSize: reader.positiveInteger('intermediate_size'),
    layerNormEpsilon: reader.optionalPositiveNumber('rms_norm_eps'),
    // Llama is trained without dropout; HF's only knob is attention_dropout.
    dropout: { embedding: 0, attention: attentionDropout ?? 0, residual: 0 },
    // Llama unties by default, unlike GPT-2.
    tieWordEmbeddings: reader.optionalBoolean('tie_word_embeddings') ?? false,
    bosTokenId: reader.optionalTokenId('bos_token_id'),
    eosTokenId: reader.optionalTokenId('eos_token_id'),
    padTokenId: reader.optionalTokenId('pad_token_id'),
  });
  checkConsistency(config, reader, { heads: 'num_attention_heads', hidden: 'hidden_size', kvHeads: 'num_key_value_heads', vocab: 'vocab_size' });
  return config;
}

function parseNative(reader: ConfigReader): TransformerConfig {
  const json = reader.json;
  if (json.architecture !== 'gpt2' && json.architecture !== 'llama') reader.fail('architecture', `must be 'gpt2' or 'llama', got ${JSON.stringify(json.architecture)}`);
  for (const field of ['vocabSize', 'contextLength', 'hiddenSize', 'numLayers', 'numHeads']) reader.positiveInteger(field);
  for (const field of ['numKeyValueHeads', 'intermediateSize']) reader.optionalPositiveInteger(field);
  for (const field of ['bosTokenId', 'eosTokenId', 'padTokenId']) reader.optionalTokenId(field);
  reader.optionalPositiveNumber('layerNormEpsilon');
  reader.optionalBoolean('tieWordEmbeddings');
  if (json.dropout !== undefined) {
    const dropoutReader = new ConfigReader(json.dropout as Json, reader.file);
    if (typeof json.dropout !== 'object' || json.dropout === null) reader.fail('dropout', 'must be an object');
    for (const field of ['embedding', 'attention', 'residual']) {
      if (dropoutReader.has(field)) {
        const value = dropoutReader.json[field];
        if (typeof value !== 'number' || !(value >= 0 && value < 1)) reader.fail(`dropout.${field}`, `must be a number in [0, 1), got ${JSON.stringify(value)}`);
      }
    }
  }
  const config = json as unknown as TransformerConfig;
  checkConsistency(config, reader, { heads: 'numHeads', hidden: 'hiddenSize', kvHeads: 'numKeyValueHeads', vocab: 'vocabSize' });
  return config;
}

/**
 * Turns a Hugging Face `config.json` object into a `TransformerConfig`.
 * GPT-2 (`model_type: "gpt2"`: `n_embd`, `n_layer`, `n_head`, `n_positions`/`n_ctx`,
 * `vocab_size`, `n_inner`, `layer_norm_epsilon`, `embd_pdrop`/`attn_pdrop`/`resid_pdrop`,
 * `bos_token_id`/`eos_token_id`/`pad_token_id`, `tie_word_embeddings`) and Llama
 * (`model_type: "llama"`: `hidden_size`, `num_hidden_layers`, `num_attention_heads`,
 * `num_key_value_heads`, `intermediate_size`, `max_position_embeddings`, `rms_norm_eps`)
 * are read; a config already in `TransformerConfig` form (with `architecture`) is
 * validated and returned. Without `model_type`, the family is recognised by its keys.
 * Fields absent from the file stay absent (their documented defaults apply).
 *
 * @param json - The parsed JSON.
 * @param fileForErrors - Named in error messages. Default: `config.json`.
 * @throws {InvalidFileError} `config.json: n_head: 5 heads do not divide the hidden size 32 (n_embd)`,
 *   a missing or mistyped field, an unknown `model_type`, or a GPT-2 variant this engine does not run.
 */
export function parseModelConfig(json: unknown, fileForErrors = 'config.json'): TransformerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidFileError(fileForErrors, 'is not a JSON object');
  const reader = new ConfigReader(json as Json, fileForErrors);
  const modelType = reader.json.model_type;
  if (modelType === 'gpt2') return parseGpt2(reader);
  if (modelType === 'llama') return parseLlama(reader);
  if (modelType !== undefined) reader.fail('model_type', `${JSON.stringify(modelType)} is not supported (supported: "gpt2", "llama")`);
  if (reader.has('architecture')) return parseNative(reader);
  if (reader.has('n_embd')) return parseGpt2(reader);
  if (reader.has('num_hidden_layers')) return parseLlama(reader);
  return reader.fail('model_type', 'is missing and the keys match neither GPT-2 (n_embd) nor Llama (num_hidden_layers)');
}

/**
 * Writes a `TransformerConfig` as a Hugging Face `config.json` object that
 * `transformers` loads (`GPT2LMHeadModel` / `LlamaForCausalLM` unless `extra`
 * overrides `architectures`, e.g. `['GPT2ForSequenceClassification']` with `num_labels: 1`
 * for a reward model). Defaults are written out explicitly so the file does not depend
 * on library defaults. `parseModelConfig(toHuggingFaceConfig(c))` gives back `c` with
 * its defaults filled in.
 *
 * @param config - The architecture.
 * @param extra - Keys merged last (override anything). Default: none.
 * @returns A JSON-serialisable object.
 */
export function toHuggingFaceConfig(config: TransformerConfig, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const common = {
    vocab_size: config.vocabSize,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenId,
    pad_token_id: config.padTokenId,
  };
  if (config.architecture === 'llama') {
    return withoutUndefined({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      ...common,
      max_position_embeddings: config.contextLength,
      hidden_size: config.hiddenSize,
      num_hidden_layers: config.numLayers,
      num_attention_heads: config.numHeads,
      num_key_value_heads: config.numKeyValueHeads ?? config.numHeads,
      intermediate_size: config.intermediateSize ?? 4 * config.hiddenSize,
      hidden_act: 'silu',
      rms_norm_eps: config.layerNormEpsilon ?? 1e-5,
      attention_dropout: config.dropout?.attention ?? 0,
      tie_word_embeddings: config.tieWordEmbeddings ?? false,
      ...extra,
    });
  }
  return withoutUndefined({
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    ...common,
    n_positions: config.contextLength,
    n_ctx: config.contextLength,
    n_embd: config.hiddenSize,
    n_layer: config.numLayers,
    n_head: config.numHeads,
    n_inner: config.intermediateSize ?? 4 * config.hiddenSize,
    activation_function: 'gelu_new',
    layer_norm_epsilon: config.layerNormEpsilon ?? 1e-5,
    embd_pdrop: config.dropout?.embedding ?? 0.1,
    attn_pdrop: config.dropout?.attention ?? 0.1,
    resid_pdrop: config.dropout?.residual ?? 0.1,
    tie_word_embeddings: config.tieWordEmbeddings ?? true,
    ...extra,
  });
}

/**
 * Reads and parses `<directory>/config.json` (or a path to a JSON file).
 *
 * @param directoryOrFile - A model directory in Hugging Face layout, or the config file itself.
 * @throws {InvalidFileError} the file is missing, not JSON, or not a supported config.
 * @example
 * const config = await loadModelConfig('checkpoints/gpt2');
 */
export async function loadModelConfig(directoryOrFile: string): Promise<TransformerConfig> {
  const file = directoryOrFile.endsWith('.json') ? directoryOrFile : path.join(directoryOrFile, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidFileError(file, `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return parseModelConfig(json, file);
}
