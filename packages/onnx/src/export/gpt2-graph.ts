import { InvalidArgumentError, type NamedTensors, type TransformerConfig } from '@instructkit/core';
import { GraphBuilder, bytesOf, float32ToFloat16Bits, type SymbolicTensor } from '../graph/graph-builder';
import { WeightTable } from './weights';

/** How weights are stored in the exported graph. */
export type WeightPrecision = 'float32' | 'float16' | 'int8';

/** What `buildGpt2Graph` builds. */
export interface Gpt2GraphOptions {
  /** Architecture (must be `gpt2`). */
  readonly config: TransformerConfig;
  /** Hugging Face-named weights (`h.0.attn.c_attn.weight`, ...). */
  readonly weights: NamedTensors;
  /**
   * `lm`: a causal LM with the KV cache (Optimum decoder layout).
   * `scalar`: a trunk with the `score` head, outputs `values` per token and `scores` at the last real token.
   */
  readonly head: 'lm' | 'scalar';
  /**
   * `float32`; `float16`: weights stored as half (Cast back to float32 in the graph, folded by ORT at load);
   * `int8`: MatMul weights quantised per output column, activations quantised dynamically. Default: float32.
   */
  readonly precision?: WeightPrecision;
  /**
   * Make the weights graph inputs (named as the weights) instead of initializers, so a session can be
   * fed new parameters every run without re-export. float32 only. Default: false.
   */
  readonly weightsAsInputs?: boolean;
  /**
   * `standard`: only standard ONNX ops (any runtime). `onnxruntime`: onnxruntime's fused CPU/CUDA
   * contrib ops (`com.microsoft` MultiHeadAttention, SkipLayerNormalization, FastGelu with bias),
   * fewer kernels per token for faster decoding; the file then runs on onnxruntime only.
   * Default: standard.
   */
  readonly operators?: 'standard' | 'onnxruntime';
  /**
   * How the LM graph keeps its KV cache.
   * `concat` (default): the Optimum decoder layout above; every step concatenates the past with
   * the new position and returns the whole cache as `present.*`, so the cache is copied inside the
   * graph and again out to the caller on every token.
   * `in-place`: a one-token decoding step over a cache the caller keeps in preallocated buffers
   * and never hands back: inputs `input_ids`, `position_ids` (`[batch, 1]`), `attention_bias`
   * (`[batch, 1, 1, max_sequence_length]`, 0 for the cache positions to attend to and a very
   * negative number elsewhere) and `past_key_values.{i}.key|value`
   * (`[batch, heads, max_sequence_length, headDim]`, read only); outputs `last_logits`
   * `[batch, vocab]` and `new_key_values.{i}.key|value` (`[batch, heads, 1, headDim]`: this token's
   * keys and values, which the caller writes into its buffers). Uses onnxruntime's contrib
   * `SkipLayerNormalization` and `FastGelu` (so it runs on onnxruntime only) whatever `operators` says.
   */
  readonly kvCache?: 'concat' | 'in-place';
}

/** Output of `buildGpt2Graph`. */
export interface Gpt2Graph {
  /** The builder holding the graph (serialise with `toModel`). */
  readonly graph: GraphBuilder;
  /** Weight names that became graph inputs (empty unless `weightsAsInputs`), with shapes. */
  readonly weightInputs: ReadonlyMap<string, readonly number[]>;
}

/** Float32 with the most negative finite value: masked attention scores, as Hugging Face's `finfo.min`. */
const MASKED_SCORE = -3.4028234663852886e38;

/**
 * Builds a GPT-2 graph (opset 17) with ops chosen for onnxruntime's fusions: LayerNormalization,
 * MatMul against weights already laid out `[in, out]` (Hugging Face's Conv1D layout, so no
 * Transpose), the attention scale fused into the score MatMul, one shared mask bias for all
 * layers, and the tied unembedding as a Gemm with `transB` (the embedding matrix is stored
 * once). `operators: 'onnxruntime'` swaps the attention and layer norms for onnxruntime's
 * contrib kernels.
 *
 * The LM graph takes `input_ids`, `attention_mask` (`[batch, past + seq]`), `position_ids`
 * and `past_key_values.{i}.key|value` (`[batch, heads, past, headDim]`, `past` may be 0) and
 * returns `logits` and `present.{i}.key|value`: the Hugging Face Optimum decoder layout,
 * one graph for the prompt and for every decoding step. Three extra outputs are computed only
 * when fetched: `last_logits` `[batch, vocab]`, `token_logprobs` and `token_entropy`
 * `[batch, seq - 1]`. The scalar graph takes the first three inputs and returns `values`
 * `[batch, seq]` and `scores` `[batch]` (at each row's last real token).
 *
 * @throws InvalidArgumentError when the config is not GPT-2 or a weight is missing or mis-shaped.
 */
export function buildGpt2Graph(options: Gpt2GraphOptions): Gpt2Graph {
  const { config, head } = options;
  const precision = options.precision ?? 'float32';
  if (config.architecture !== 'gpt2') {
    throw new InvalidArgumentError('config.architecture', `${config.architecture} export is not implemented yet; only gpt2`);
  }
  if (options.weightsAsInputs && precision !== 'float32') {
    throw new InvalidArgumentError('weightsAsInputs', `live weights need float32 precision, not ${precision}`);
  }
  const hiddenSize = config.hiddenSize;
  const numHeads = config.numHeads;
  if (hiddenSize % numHeads !== 0) {
    throw new InvalidArgumentError('config.numHeads', `${numHeads} does not divide hiddenSize ${hiddenSize}`);
  }
  const headDim = hiddenSize / numHeads;
  const inPlace = options.kvCache === 'in-place';
  if (inPlace && head !== 'lm') throw new InvalidArgumentError('kvCache', 'an in-place cache needs the lm head');
  const innerSize = config.intermediateSize ?? 4 * hiddenSize;
  const epsilon = config.layerNormEpsilon ?? 1e-5;
  const vocabSize = config.vocabSize;
  const table = new WeightTable(options.weights);
  const graph = new GraphBuilder(head === 'lm' ? 'gpt2_decoder' : 'gpt2_scalar');
  const weightInputs = new Map<string, readonly number[]>();

  const weight = (name: string, shape: readonly number[]): SymbolicTensor => {
    const values = table.get(name, shape);
    if (options.weightsAsInputs) {
      weightInputs.set(name, shape);
      return graph.input(name, 'float32', shape);
    }
    if (precision === 'float16') {
      const bits = new Uint16Array(values.length);
      for (let index = 0; index < values.length; index++) bits[index] = float32ToFloat16Bits(values[index]!);
      const stored = graph.initializer(name, { elementType: 'float16', shape, bytes: bytesOf(bits) });
      return graph.cast(stored, 'float32');
    }
    return graph.initializer(name, { elementType: 'float32', shape, bytes: bytesOf(values) });
  };

  // x @ W for a Conv1D weight W of shape [in, out] (quantised when int8).
  const project = (x: SymbolicTensor, prefix: string, inSize: number, outSize: number): SymbolicTensor => {
    if (precision === 'int8') return quantizedMatMul(graph, x, prefix, table.get(`${prefix}.weight`, [inSize, outSize]), inSize, outSize);
    return graph.matMul(x, weight(`${prefix}.weight`, [inSize, outSize]));
  };
  // y = x @ W + b.
  const linear = (x: SymbolicTensor, prefix: string, inSize: number, outSize: number): SymbolicTensor =>
    graph.add(project(x, prefix, inSize, outSize), weight(`${prefix}.bias`, [outSize]));

  const sequenceDim = inPlace ? 1 : 'sequence_length';
  const inputIds = graph.input('input_ids', 'int64', ['batch_size', sequenceDim]);
  const totalLength = head === 'lm' ? 'total_sequence_length' : 'sequence_length';
  // The in-place step takes an additive bias over the cache instead of a mask.
  const attentionMask = inPlace ? undefined : graph.input('attention_mask', 'int64', ['batch_size', totalLength]);
  const positionIds = graph.input('position_ids', 'int64', ['batch_size', sequenceDim]);
  const attentionBias = inPlace ? graph.input('attention_bias', 'float32', ['batch_size', 1, 1, 'max_sequence_length']) : undefined;
  const pasts: [SymbolicTensor, SymbolicTensor][] = [];
  if (head === 'lm') {
    for (let layer = 0; layer < config.numLayers; layer++) {
      const shape = ['batch_size', numHeads, inPlace ? 'max_sequence_length' : 'past_sequence_length', headDim];
      pasts.push([
        graph.input(`past_key_values.${layer}.key`, 'float32', shape),
        graph.input(`past_key_values.${layer}.value`, 'float32', shape),
      ]);
    }
  }

  const tokenEmbedding = weight('wte.weight', [vocabSize, hiddenSize]);
  let hidden = graph.withScope('embeddings', () =>
    graph.add(graph.gather(tokenEmbedding, inputIds), graph.gather(weight('wpe.weight', [config.contextLength, hiddenSize]), positionIds)),
  );

  // One additive mask for every layer: 0 where query i may attend to key j (j <= past + i
  // and j is not padding), the most negative float elsewhere. [batch, 1, seq, total].
  const buildMaskBias = () => graph.withScope('mask', () => {
    const one = graph.scalar(1, 'int64');
    const sequenceLength = graph.squeeze(graph.shape(inputIds, 1, 2), [0]);
    const total = graph.squeeze(graph.shape(attentionMask!, 1, 2), [0]);
    const queryPositions = graph.range(graph.sub(total, sequenceLength), total, one);
    const keyPositions = graph.range(graph.scalar(0, 'int64'), total, one);
    const causal = graph.lessOrEqual(graph.unsqueeze(keyPositions, [0]), graph.unsqueeze(queryPositions, [1]));
    const notPadding = graph.unsqueeze(graph.cast(attentionMask!, 'bool'), [1, 2]);
    return graph.where(graph.and(causal, notPadding), graph.scalar(0), graph.scalar(MASKED_SCORE));
  });
  const presents: SymbolicTensor[] = [];
  let final: SymbolicTensor;

  if (options.operators === 'onnxruntime' || inPlace) {
    // Residual adds, bias adds and LayerNorms fold into SkipLayerNormalization; the whole
    // attention (bias, heads split, cache concat, mask, softmax) into one MultiHeadAttention.
    // The in-place step runs this trunk on [batch, hidden] rows with its own attention.
    const contrib = 'com.microsoft';
    // MultiHeadAttention applies the causal mask itself (unidirectional) and takes the padding
    // mask as is: one Cast instead of the 13 small kernels that build the additive mask, which
    // cost about a tenth of a 4M decoding step. Masked scores get its default -10000 instead of
    // the most negative float: exp underflows to 0 either way for any row with a real key.
    const keyPaddingMask = inPlace ? undefined : graph.withScope('mask', () => graph.cast(attentionMask!, 'int32'));
    const scale = graph.scalar(1 / Math.sqrt(headDim));
    // One token per row: a row's q/k/v are [heads, 1, headDim] without a Transpose. Scores against
    // the whole preallocated cache (masked by the bias) and against the token's own key share one
    // softmax, so the cache is only read, never concatenated or copied.
    const inPlaceAttention = (qkv: SymbolicTensor, layer: number) => {
      const [query, key, value] = graph.split(graph.reshape(qkv, [-1, 3 * numHeads, 1, headDim]), 1, [numHeads, numHeads, numHeads]);
      const [pastKeys, pastValues] = pasts[layer]!;
      const pastScores = graph.add(graph.mul(graph.matMul(query!, graph.transpose(pastKeys, [0, 1, 3, 2])), scale), attentionBias!);
      const ownScore = graph.mul(graph.matMul(query!, graph.transpose(key!, [0, 1, 3, 2])), scale);
      const probabilities = graph.softmax(graph.concat([pastScores, ownScore], 3), -1);
      const pastProbabilities = graph.slice(probabilities, graph.ints([0]), graph.ints([-1]), [3]);
      const ownProbability = graph.slice(probabilities, graph.ints([-1]), graph.ints([2 ** 53 - 1]), [3]);
      presents.push(key!, value!);
      return graph.reshape(graph.add(graph.matMul(pastProbabilities, pastValues), graph.mul(ownProbability, value!)), [-1, hiddenSize]);
    };
    const skipLayerNorm = (input: SymbolicTensor, skip: SymbolicTensor, norm: string, bias: SymbolicTensor | undefined) => {
      const [normalized, , , sum] = graph.node(
        'SkipLayerNormalization',
        [input, skip, weight(`${norm}.weight`, [hiddenSize]), weight(`${norm}.bias`, [hiddenSize]), bias],
        ['float32', null, null, 'float32'],
        { epsilon: { float: epsilon } },
        contrib,
      );
      return { normalized: normalized!, sum: sum! };
    };
    let residual = inPlace ? graph.reshape(hidden, [-1, hiddenSize]) : hidden;
    let pending: { output: SymbolicTensor; bias: SymbolicTensor } | undefined;
    for (let layer = 0; layer < config.numLayers; layer++) {
      const prefix = `h.${layer}`;
      graph.withScope(prefix, () => {
        let attentionInput: SymbolicTensor;
        if (pending) {
          const fused = skipLayerNorm(pending.output, residual, `${prefix}.ln_1`, pending.bias);
          attentionInput = fused.normalized;
          residual = fused.sum;
        } else {
          attentionInput = graph.layerNorm(residual, weight(`${prefix}.ln_1.weight`, [hiddenSize]), weight(`${prefix}.ln_1.bias`, [hiddenSize]), epsilon);
        }
        let context: SymbolicTensor;
        if (inPlace) {
          context = inPlaceAttention(linear(attentionInput, `${prefix}.attn.c_attn`, hiddenSize, 3 * hiddenSize), layer);
        } else {
        const [query, key, value] = graph.split(project(attentionInput, `${prefix}.attn.c_attn`, hiddenSize, 3 * hiddenSize), 2, [hiddenSize, hiddenSize, hiddenSize]);
        const past = head === 'lm' ? pasts[layer]! : [undefined, undefined];
        const [attended, presentKey, presentValue] = graph.node(
          'MultiHeadAttention',
          [query, key, value, weight(`${prefix}.attn.c_attn.bias`, [3 * hiddenSize]), keyPaddingMask, undefined, past[0], past[1]],
          ['float32', head === 'lm' ? 'float32' : null, head === 'lm' ? 'float32' : null],
          { num_heads: numHeads, unidirectional: 1 },
          contrib,
        );
 if (head === 'lm') presents.push(presentKey!, presentValue!);
        context = attended!;
        }
        const attentionOutput = project(context, `${prefix}.attn.c_proj`, hiddenSize, hiddenSize);
        const fused = skipLayerNorm(attentionOutput, residual, `${prefix}.ln_2`, weight(`${prefix}.attn.c_proj.bias`, [hiddenSize]));
        residual = fused.sum;
        const [activated] = graph.node(
          'FastGelu',
          [project(fused.normalized, `${prefix}.mlp.c_fc`, hiddenSize, innerSize), weight(`${prefix}.mlp.c_fc.bias`, [innerSize])],
          ['float32'],
          {},
          contrib,
        );
        pending = { output: project(activated!, `${prefix}.mlp.c_proj`, innerSize, hiddenSize), bias: weight(`${prefix}.mlp.c_proj.bias`, [hiddenSize]) };
      });
    }
    final = pending
      ? skipLayerNorm(pending.output, residual, 'ln_f', pending.bias).normalized
      : graph.layerNorm(residual, weight('ln_f.weight', [hiddenSize]), weight('ln_f.bias', [hiddenSize]), epsilon);
  } else {
    const maskBias = buildMaskBias();
    const scale = graph.scalar(1 / Math.sqrt(headDim));
    // The trunk runs on [batch * seq, hidden] rows: onnxruntime fuses a 2-D MatMul and its bias
    // Add into one Gemm (it leaves 3-D ones apart), 16 kernels fewer per 4-layer step.
    const headsShape = graph.withScope('shapes', () => graph.concat([graph.shape(inputIds), graph.ints([numHeads, headDim])], 0));
    let rows = graph.reshape(hidden, [-1, hiddenSize]);
    for (let layer = 0; layer < config.numLayers; layer++) {
      const prefix = `h.${layer}`;
      rows = graph.withScope(prefix, () => {
        const attentionInput = graph.layerNorm(rows, weight(`${prefix}.ln_1.weight`, [hiddenSize]), weight(`${prefix}.ln_1.bias`, [hiddenSize]), epsilon);
        const qkv = linear(attentionInput, `${prefix}.attn.c_attn`, hiddenSize, 3 * hiddenSize);
        const attend = (merged: SymbolicTensor) => {
          const attended = graph.add(rows, linear(merged, `${prefix}.attn.c_proj`, hiddenSize, hiddenSize));
          const mlpInput = graph.layerNorm(attended, weight(`${prefix}.ln_2.weight`, [hiddenSize]), weight(`${prefix}.ln_2.bias`, [hiddenSize]), epsilon);
          const expanded = geluTanh(graph, linear(mlpInput, `${prefix}.mlp.c_fc`, hiddenSize, innerSize));
          return graph.add(attended, linear(expanded, `${prefix}.mlp.c_proj`, innerSize, hiddenSize));
        };
        const [query, key, value] = graph
          .split(qkv, 1, [hiddenSize, hiddenSize, hiddenSize])
          .map((part) => graph.transpose(graph.reshapeTo(part, headsShape), [0, 2, 1, 3]));
        let keys = key!;
        let values = value!;
        if (head === 'lm') {
          keys = graph.concat([pasts[layer]![0], keys], 2);
          values = graph.concat([pasts[layer]![1], values], 2);
          presents.push(keys, values);
        }
        // Transpose + MatMul + Mul are fused by onnxruntime into one FusedMatMul(transB, alpha).
        const scores = graph.add(graph.mul(graph.matMul(query!, graph.transpose(keys, [0, 1, 3, 2])), scale), maskBias);
        const context = graph.matMul(graph.softmax(scores, -1), values);
        return attend(graph.reshape(graph.transpose(context, [0, 2, 1, 3]), [-1, hiddenSize]));
      });
    }
    const finalRows = graph.layerNorm(rows, weight('ln_f.weight', [hiddenSize]), weight('ln_f.bias', [hiddenSize]), epsilon);
    final = graph.reshapeTo(finalRows, graph.concat([graph.shape(inputIds), graph.ints([hiddenSize])], 0));
  }

  if (inPlace) {
    const tied = config.tieWordEmbeddings ?? true;
    const unembedding = tied || !table.has('lm_head.weight') ? tokenEmbedding : weight('lm_head.weight', [vocabSize, hiddenSize]);
    graph.output(graph.gemm(final, unembedding, undefined, { transB: true }), 'last_logits', ['batch_size', vocabSize]);
    presents.forEach((present, index) => {
      graph.output(present, `new_key_values.${Math.floor(index / 2)}.${index % 2 === 0 ? 'key' : 'value'}`, ['batch_size', numHeads, 1, headDim]);
    });
  } else if (head === 'lm') {
    const batchAndSequence = graph.shape(inputIds);
    const tied = config.tieWordEmbeddings ?? true;
    const unembedding = tied || !table.has('lm_head.weight') ? tokenEmbedding : weight('lm_head.weight', [vocabSize, hiddenSize]);
    const rows = graph.reshape(final, [-1, hiddenSize]);
    const logits = graph.gemm(rows, unembedding, undefined, { transB: true });
    const logitsShape = graph.concat([batchAndSequence, graph.ints([vocabSize])], 0);
    const logitsOutput = graph.output(graph.reshapeTo(logits, logitsShape), 'logits', ['batch_size', 'sequence_length', vocabSize]);
    // Extra outputs for scoring: log p(input_ids[t+1] | ..t) and the entropy at t, [batch, seq - 1].
    // Fetching them instead of `logits` keeps the vocabulary-sized tensor inside onnxruntime (a
    // batch of 8 x 128 GPT-2 logits is 200 MB to copy out and log-softmax in JavaScript).
    graph.withScope('scoring', () => {
      const logProbabilities = graph.node('LogSoftmax', [graph.slice(logitsOutput, graph.ints([0]), graph.ints([-1]), [1])], ['float32'], { axis: -1 })[0]!;
      const targets = graph.unsqueeze(graph.slice(inputIds, graph.ints([1]), graph.ints([2 ** 53 - 1]), [1]), [2]);
      graph.output(graph.squeeze(graph.gatherElements(logProbabilities, targets, 2), [2]), 'token_logprobs', ['batch_size', 'scored_length']);
      const weighted = graph.mul(graph.node('Exp', [logProbabilities], ['float32'])[0]!, logProbabilities);
      const negativeEntropy = graph.node('ReduceSum', [weighted, graph.ints([-1])], ['float32'], { keepdims: 0 })[0]!;
      graph.output(graph.node('Neg', [negativeEntropy], ['float32'])[0]!, 'token_entropy', ['batch_size', 'scored_length']);
    });
    // Extra output beside the Optimum layout: the last position's logits only. Decoding fetches
    // it instead of `logits`, and onnxruntime then skips the full unembedding of the prompt
    // (a third of GPT-2 small's prompt FLOPs at a 50k vocabulary).
    const lastHidden = graph.gather(final, graph.scalar(-1, 'int64'), 1);
    graph.output(graph.gemm(lastHidden, unembedding, undefined, { transB: true }), 'last_logits', ['batch_size', vocabSize]);
    presents.forEach((present, index) => {
      const layer = Math.floor(index / 2);
      const kind = index % 2 === 0 ? 'key' : 'value';
      graph.output(present, `present.${layer}.${kind}`, ['batch_size', numHeads, 'total_sequence_length', headDim]);
    });
  } else {
    const rows = graph.reshape(final, [-1, hiddenSize]);
    const scoreBias = table.has('score.bias') ? weight('score.bias', [1]) : undefined;
    const perRow = graph.gemm(rows, weight('score.weight', [1, hiddenSize]), scoreBias, { transB: true });
    const values = graph.output(graph.reshapeTo(perRow, graph.shape(inputIds)), 'values', ['batch_size', 'sequence_length']);
    // The score is read at each row's last real token, whichever side was padded:
    // argmax of mask * (1..n) is the last index where the mask is 1.
    const sequenceLength = graph.squeeze(graph.shape(inputIds, 1, 2), [0]);
    const one = graph.scalar(1, 'int64');
    const ranks = graph.mul(attentionMask!, graph.range(one, graph.add(sequenceLength, one), one));
    const last = graph.argMax(ranks, 1, true);
    graph.output(graph.squeeze(graph.gatherElements(values, last, 1), [1]), 'scores', ['batch_size']);
  }
  return { graph, weightInputs };
}

/** GPT-2's `gelu_new`: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the pattern onnxruntime fuses into FastGelu. */
function geluTanh(graph: GraphBuilder, x: SymbolicTensor): SymbolicTensor {
  const cubic = graph.mul(graph.pow(x, graph.scalar(3)), graph.scalar(0.044715));
  const inner = graph.mul(graph.add(x, cubic), graph.scalar(Math.sqrt(2 / Math.PI)));
  const gate = graph.add(graph.tanh(inner), graph.scalar(1));
  return graph.mul(graph.mul(x, graph.scalar(0.5)), gate);
}

/**
 * x @ W with W quantised to int8 per output column (symmetric, zero point 0) and x quantised
 * dynamically to uint8 per tensor: the standard DynamicQuantizeLinear → MatMulInteger → Cast →
 * Mul pattern that onnxruntime fuses into DynamicQuantizeMatMul.
 */
function quantizedMatMul(graph: GraphBuilder, x: SymbolicTensor, prefix: string, weights: Float32Array, inSize: number, outSize: number): SymbolicTensor {
  const scales = new Float32Array(outSize);
  for (let row = 0; row < inSize; row++) {
    for (let column = 0; column < outSize; column++) {
      const magnitude = Math.abs(weights[row * outSize + column]!);
      if (magnitude > scales[column]!) scales[column] = magnitude;
    }
  }
  for (let column = 0; column < outSize; column++) scales[column] = scales[column]! > 0 ? scales[column]! / 127 : 1;
  const quantized = new Int8Array(inSize * outSize);
  for (let row = 0; row < inSize; row++) {
    for (let column = 0; column < outSize; column++) {
      const index = row * outSize + column;
      quantized[index] = Math.max(-127, Math.min(127, Math.round(weights[index]! / scales[column]!)));
    }
  }
  const quantizedWeight = graph.initializer(`${prefix}.weight_quantized`, { elementType: 'int8', shape: [inSize, outSize], bytes: bytesOf(quantized) });
  const weightScale = graph.initializer(`${prefix}.weight_scale`, { elementType: 'float32', shape: [outSize], bytes: bytesOf(scales) });
  const weightZeroPoint = graph.initializer(`${prefix}.weight_zero_point`, { elementType: 'int8', shape: [outSize], bytes: new Uint8Array(outSize) });
  const [quantizedInput, inputScale, inputZeroPoint] = graph.dynamicQuantizeLinear(x);
  const product = graph.matMulInteger(quantizedInput, quantizedWeight, inputZeroPoint, weightZeroPoint);
  return graph.mul(graph.cast(product, 'float32'), graph.mul(inputScale, weightScale));
}
