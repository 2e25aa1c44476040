import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidFileError, loadModelConfig, parseModelConfig, toHuggingFaceConfig, type TransformerConfig } from '../src/index';

// The real openai-community/gpt2 config.json (trimmed of task-specific params).
const gpt2Small = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_inner: null,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  vocab_size: 50257,
};

// TinyLlama-1.1B's config.json, abridged.
const tinyLlama = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 2048,
  intermediate_size: 5632,
  max_position_embeddings: 2048,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 22,
  num_key_value_heads: 4,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: false,
  vocab_size: 32000,
};

function errorOf(action: () => unknown): InvalidFileError {
  try {
    action();
  } catch (error) {
    if (error instanceof InvalidFileError) return error;
    throw error;
  }
  throw new Error('expected an InvalidFileError');
}

describe('parseModelConfig', () => {
  it('reads GPT-2 small', () => {
    expect(parseModelConfig(gpt2Small)).toEqual({
      architecture: 'gpt2',
      vocabSize: 50257,
      contextLength: 1024,
      hiddenSize: 768,
      numLayers: 12,
      numHeads: 12,
      layerNormEpsilon: 1e-5,
      dropout: { embedding: 0.1, attention: 0.1, residual: 0.1 },
      bosTokenId: 50256,
      eosTokenId: 50256,
    });
  });

  it('reads Llama keys as the llama architecture, untied by default', () => {
    const config = parseModelConfig(tinyLlama);
    expect(config).toMatchObject({ architecture: 'llama', hiddenSize: 2048, numLayers: 22, numHeads: 32, numKeyValueHeads: 4, intermediateSize: 5632, contextLength: 2048, tieWordEmbeddings: false, eosTokenId: 2 });
  });

  it('recognises the family by its keys when model_type is missing', () => {
    const { model_type: _gpt2Type, ...gpt2WithoutType } = gpt2Small;
    const { model_type: _llamaType, ...llamaWithoutType } = tinyLlama;
    expect(parseModelConfig(gpt2WithoutType).architecture).toBe('gpt2');
    expect(parseModelConfig(llamaWithoutType).architecture).toBe('llama');
  });

  it('takes the first of several EOS ids', () => {
    expect(parseModelConfig({ ...tinyLlama, eos_token_id: [2, 7] }).eosTokenId).toBe(2);
  });

  it('accepts a config already in TransformerConfig form', () => {
    const native: TransformerConfig = { architecture: 'gpt2', vocabSize: 10, contextLength: 8, hiddenSize: 8, numLayers: 1, numHeads: 2 };
    expect(parseModelConfig(native)).toEqual(native);
  });

  it('names the file and the field of a bad value', () => {
    const error = errorOf(() => parseModelConfig({ ...gpt2Small, n_head: 5 }, 'models/gpt2/config.json'));
    expect(error.file).toBe('models/gpt2/config.json');
    expect(error.message).toBe('models/gpt2/config.json: n_head: 5 heads do not divide the hidden size 768 (n_embd)');
    expect(errorOf(() => parseModelConfig({ ...gpt2Small, n_layer: '12' })).message).toBe('config.json: n_layer: must be a positive integer, got "12"');
    expect(errorOf(() => parseModelConfig({ ...gpt2Small, n_embd: undefined })).message).toBe('config.json: n_embd: is required');
    expect(errorOf(() => parseModelConfig({ ...gpt2Small, attn_pdrop: 1.5 })).message).toMatch(/attn_pdrop: must be a number in \[0, 1\)/);
    expect(errorOf(() => parseModelConfig({ ...gpt2Small, eos_token_id: 60000 })).message).toMatch(/eos_token_id: 60000 is out of range for vocab_size 50257/);
    expect(errorOf(() => parseModelConfig({ ...gpt2Small, activation_function: 'relu' })).message).toMatch(/activation_function: "relu" is not supported/);
    expect(errorOf(() => parseModelConfig({ ...gpt2Small, model_type: 'bert' })).message).toMatch(/model_type: "bert" is not supported/);
    expect(errorOf(() => parseModelConfig({ ...tinyLlama, num_key_value_heads: 5 })).message).toMatch(/num_key_value_heads: 5 key\/value heads do not divide 32/);
    expect(errorOf(() => parseModelConfig([])).message).toBe('config.json: is not a JSON object');
  });
});

describe('toHuggingFaceConfig', () => {
  it('round-trips a GPT-2 config with its defaults written out', () => {
    const config = parseModelConfig(gpt2Small);
    const written = toHuggingFaceConfig(config);
    expect(written).toMatchObject({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_embd: 768, n_inner: 3072, activation_function: 'gelu_new', tie_word_embeddings: true });
    expect(parseModelConfig(written)).toEqual({ ...config, intermediateSize: 3072, tieWordEmbeddings: true });
  });

  it('round-trips a Llama config and lets extra keys override', () => {
    const config = parseModelConfig(tinyLlama);
    expect(parseModelConfig(toHuggingFaceConfig(config))).toEqual(config);
    expect(toHuggingFaceConfig(config, { architectures: ['LlamaForSequenceClassification'], num_labels: 1 })).toMatchObject({ architectures: ['LlamaForSequenceClassification'], num_labels: 1 });
  });
});

describe('loadModelConfig', () => {
  it('reads the tiny GPT-2 fixture directory', async () => {
    const config = await loadModelConfig(path.join(import.meta.dirname, '../../test-utils/fixtures/tiny-gpt2'));
    expect(config).toMatchObject({ architecture: 'gpt2', vocabSize: 128, contextLength: 32, hiddenSize: 32, numLayers: 2, numHeads: 4 });
    const scalar = await loadModelConfig(path.join(import.meta.dirname, '../../test-utils/fixtures/tiny-gpt2-scalar/config.json'));
    expect(scalar).toMatchObject({ architecture: 'gpt2', padTokenId: 127, eosTokenId: 127 });
  });

  it('names the file when it is missing or not JSON', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'instructkit-config-'));
    try {
      await expect(loadModelConfig(directory)).rejects.toThrow(`${path.join(directory, 'config.json')}: cannot be read (ENOENT)`);
      await writeFile(path.join(directory, 'config.json'), '{"n_embd": ');
      await expect(loadModelConfig(directory)).rejects.toThrow(/config\.json: is not valid JSON/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
