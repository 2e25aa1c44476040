import { InvalidArgumentError, type TransformerConfig } from '@instructkit/core';
import { AutodiffGraph, type GraphTensor } from '../graph/autodiff-graph';
import { gpt2Dimensions, gpt2ParameterSpecs, type Gpt2Dimensions, type ModelHead, type ParameterSpec } from './gpt2-parameters';
import type { TaskShape } from './task-shape';

/** Settings of `buildTrainingGraph`. */
export interface BuildTrainingGraphSettings {
  /** The architecture. */
  readonly config: TransformerConfig;
  /** Output head of the model. */
  readonly head: ModelHead;
  /** The objective and its static batch shape. */
  readonly shape: TaskShape;
  /** `train`: dropout masks as inputs, gradients as outputs. `evaluate`: loss and per-token outputs only. */
  readonly mode: 'train' | 'evaluate';
}

/** A compiled objective: the ONNX model and what its inputs and outputs mean. */
export interface TrainingGraph {
  /** ONNX model bytes (opset 17). */
  readonly modelBytes: Uint8Array;
  /** The parameters (graph inputs named after them), in flat-buffer order. */
  readonly parameters: readonly ParameterSpec[];
  /** Names of the gradient outputs, aligned with `parameters` (empty in `evaluate` mode). */
  readonly gradientOutputs: readonly string[];
  /** Names of the other outputs (`loss`, per-term losses, per-token values for metrics). */
  readonly valueOutputs: readonly string[];
  /** In `train` mode, the output holding Σ of the squared gradients (the global norm, squared). */
  readonly gradientSumOfSquaresOutput?: string;
  /** Number of ONNX nodes (forward + backward). */
  readonly nodeCount: number;
}

const GRADIENT_SUM_OF_SQUARES = 'gradient_sum_of_squares';

// Added to attention scores of masked keys; finite so fully padded rows stay NaN-free.
export const MASKED_SCORE = -1e9;

interface TrunkInputs {
  readonly ids: GraphTensor;
  readonly positions: GraphTensor;
  readonly attentionBias: GraphTensor;
}

/** Names of the per-batch graph inputs of a term with prefix `prefix`. */
export const batchInputNames = (prefix: string) => ({
  ids: `${prefix}ids`,
  positions: `${prefix}position_ids`,
  attentionBias: `${prefix}attention_bias`,
  embeddingDropout: `${prefix}dropout.embedding`,
  attentionDropout: (layer: number) => `${prefix}dropout.h.${layer}.attn`,
  attentionResidualDropout: (layer: number) => `${prefix}dropout.h.${layer}.attn_residual`,
  mlpResidualDropout: (layer: number) => `${prefix}dropout.h.${layer}.mlp_residual`,
  targets: `${prefix}targets`,
  weights: `${prefix}token_weights`,
  oldLogprobs: `${prefix}old_logprobs`,
  advantages: `${prefix}advantages`,
  clipRange: `${prefix}clip_range`,
  entropyCoefficient: `${prefix}entropy_coefficient`,
  returns: `${prefix}returns`,
  oldValues: `${prefix}old_values`,
  lastIndex: `${prefix}last_index`,
  pairWinners: `${prefix}pair_winners`,
  pairLosers: `${prefix}pair_losers`,
  pairWeights: `${prefix}pair_weights`,
  pairMargins: `${prefix}pair_margins`,
  termWeight: `${prefix}term_weight`,
  loss: `${prefix}loss`,
  logprobs: `${prefix}logprobs`,
  entropy: `${prefix}entropy`,
  values: `${prefix}values`,
  rewards: `${prefix}rewards`,
});

/**
 * GPT-2 (Radford et al. 2019) trunk in the builder: token + position embeddings,
 * pre-LN blocks with causal multi-head attention (additive mask input carrying causality
 * and padding), tanh-GELU MLP, final LayerNorm. Dropout masks are bool graph inputs, so
 * they are seeded on the host and a resumed run draws the same masks.
 *
 * @returns final hidden states `[batch·length, d]`.
 */
function gpt2Trunk(
  graph: AutodiffGraph,
  dims: Gpt2Dimensions,
  parameters: ReadonlyMap<string, GraphTensor>,
  inputs: TrunkInputs,
  batchSize: number,
  length: number,
  dropoutMask: ((name: string, shape: number[], probability: number) => GraphTensor | undefined),
  names: ReturnType<typeof batchInputNames>,
): GraphTensor {
  const p = (name: string) => parameters.get(name)!;
  const d = dims.hiddenSize;
  const heads = dims.numHeads;
  const headSize = d / heads;
  const rows = batchSize * length;
  // The masks are fed as float scales (0 or 1/(1 − p)): one Mul forward and one backward.
  const applyDropout = (x: GraphTensor, name: string, probability: number) => {
    const scale = dropoutMask(name, [...x.shape], probability);
    return scale ? graph.mul(x, scale) : x;
  };
  const flatIds = graph.reshape(inputs.ids, [rows]);
  const flatPositions = graph.reshape(inputs.positions, [rows]);
  let hidden = graph.add(graph.gather(p('wte.weight'), flatIds), graph.gather(p('wpe.weight'), flatPositions));
  hidden = applyDropout(hidden, names.embeddingDropout, dims.dropout.embedding);
  const linear = (x: GraphTensor, prefix: string) => graph.add(graph.matmul(x, p(`${prefix}.weight`)), p(`${prefix}.bias`));
  const toHeads = (x: GraphTensor, perm: number[]) => graph.transpose(graph.reshape(x, [batchSize, length, heads, headSize]), perm);
  for (let layer = 0; layer < dims.numLayers; layer++) {
    const prefix = `h.${layer}`;
    hidden = graph.withScope(prefix, () => {
      const normed = graph.layerNorm(hidden, p(`${prefix}.ln_1.weight`), p(`${prefix}.ln_1.bias`), dims.layerNormEpsilon);
      const qkv = linear(normed, `${prefix}.attn.c_attn`);
      const [queryPart, keyPart, valuePart] = graph.split(qkv, 1, [d, d, d]);
      const query = toHeads(queryPart!, [0, 2, 1, 3]);
      const keyTransposed = toHeads(keyPart!, [0, 2, 3, 1]);
      const value = toHeads(valuePart!, [0, 2, 1, 3]);
      const scores = graph.add(graph.mul(graph.matmul(query, keyTransposed), graph.scalar(1 / Math.sqrt(headSize))), inputs.attentionBias);
      const probabilities = applyDropout(graph.softmax(scores), names.attentionDropout(layer), dims.dropout.attention);
      const context = graph.reshape(graph.transpose(graph.matmul(probabilities, value), [0, 2, 1, 3]), [rows, d]);
      const attended = applyDropout(linear(context, `${prefix}.attn.c_proj`), names.attentionResidualDropout(layer), dims.dropout.residual);
      const afterAttention = graph.add(hidden, attended);
      const normed2 = graph.layerNorm(afterAttention, p(`${prefix}.ln_2.weight`), p(`${prefix}.ln_2.bias`), dims.layerNormEpsilon);
      const inner = graph.geluTanh(linear(normed2, `${prefix}.mlp.c_fc`));
      const mlp = applyDropout(linear(inner, `${prefix}.mlp.c_proj`), names.mlpResidualDropout(layer), dims.dropout.residual);
      return graph.add(afterAttention, mlp);
    });
  }
  return graph.layerNorm(hidden, p('ln_f.weight'), p('ln_f.bias'), dims.layerNormEpsilon);
}

/** Sum of all elements of a tensor, as a scalar. */
function total(graph: AutodiffGraph, x: GraphTensor): GraphTensor {
  return graph.reduceSum(x, x.shape.map((_, axis) => axis), false);
}

/**
 * Compiles one objective on a GPT-2 into an ONNX training graph: parameters and the
 * batch are inputs; `loss`, per-token/per-row outputs for metrics, and (in `train`
 * mode) one gradient per parameter (`grad.<name>`) are outputs. The backward pass is
 * generated by `AutodiffGraph#gradients`.
 *
 * Alignment (core's convention): row position t predicts token t+1, so every per-token
 * input is `[batch·length, 1]` with the last position of each row weighted 0.
 *
 * @throws {InvalidArgumentError} an objective that needs the other head, or a batch longer than the context.
 */
export function buildTrainingGraph(settings: BuildTrainingGraphSettings): TrainingGraph {
  const { config, head, shape, mode } = settings;
  const dims = gpt2Dimensions(config);
  const specs = gpt2ParameterSpecs(config, head);
  const graph = new AutodiffGraph(`instructkit-${mode}`);
  const parameters = new Map(specs.map((spec) => [spec.name, graph.input(spec.name, 'float32', spec.shape)] as const));
  const training = mode === 'train';
  const outputs: [GraphTensor, string][] = [];

  const termLoss = (termShape: TaskShape, prefix: string): GraphTensor => {
    if (termShape.kind === 'weighted-sum') {
      let sum: GraphTensor | undefined;
      termShape.terms.forEach((term, index) => {
        const termPrefix = `${prefix}t${index}.`;
        const weight = graph.input(batchInputNames(termPrefix).termWeight, 'float32', []);
        const weighted = graph.mul(termLoss(term, termPrefix), weight);
        sum = sum ? graph.add(sum, weighted) : weighted;
      });
      if (!sum) throw new InvalidArgumentError('task.terms', 'a weighted sum needs at least one term');
      return sum;
    }
    const { batchSize, length } = termShape;
    if (length > dims.contextLength) {
      throw new InvalidArgumentError('task.batch.length', `${length} exceeds the context length ${dims.contextLength}`);
    }
    const needsScalar = termShape.kind === 'ranking' || termShape.kind === 'ppo-value';
    if (needsScalar !== (head === 'scalar')) {
      throw new InvalidArgumentError('task.kind', `${termShape.kind} needs a ${needsScalar ? 'scalar' : 'causal-lm'} head; this model has a ${head} head`);
    }
    const names = batchInputNames(prefix);
    const rows = batchSize * length;
    const trunkInputs: TrunkInputs = {
      ids: graph.input(names.ids, 'int64', [batchSize, length]),
      positions: graph.input(names.positions, 'int64', [batchSize, length]),
      attentionBias: graph.input(names.attentionBias, 'float32', [batchSize, 1, length, length]),
    };
    const dropoutMask = (name: string, maskShape: number[], probability: number) =>
      training && probability > 0 ? graph.input(name, 'float32', maskShape) : undefined;
    const hidden = graph.withScope(prefix.replace(/\.$/, '') || 'model', () =>
      gpt2Trunk(graph, dims, parameters, trunkInputs, batchSize, length, dropoutMask, names),
    );
    const perToken = (name: string) => graph.input(name, 'float32', [rows, 1]);
    let loss: GraphTensor;
    if (termShape.kind === 'language-modeling' || termShape.kind === 'ppo-policy') {
      const unembedding = parameters.get(dims.tieWordEmbeddings ? 'wte.weight' : 'lm_head.weight')!;
      const targets = graph.input(names.targets, 'int64', [rows, 1]);
      const weights = perToken(names.weights);
      if (termShape.kind === 'language-modeling') {
        const logprobs = graph.projectedTargetLogprobs(hidden, unembedding, targets);
        outputs.push([logprobs, names.logprobs]);
        // Weights are mask / (masked tokens in the batch): the sum is the masked mean.
        loss = graph.neg(total(graph, graph.mul(logprobs, weights)));
      } else {
        const logSoftmax = graph.logSoftmax(graph.matmulTransposed(hidden, unembedding));
        const logprobs = graph.gatherLast(logSoftmax, targets);
        outputs.push([logprobs, names.logprobs]);
        // PPO clipped surrogate (Schulman et al. 2017, Eq. 7) with an entropy bonus.
        const advantages = perToken(names.advantages);
        const clipRange = graph.input(names.clipRange, 'float32', []);
        const entropyCoefficient = graph.input(names.entropyCoefficient, 'float32', []);
        const ratio = graph.exp(graph.sub(logprobs, perToken(names.oldLogprobs)));
        const one = graph.scalar(1);
        const clipped = graph.min(graph.max(ratio, graph.sub(one, clipRange)), graph.add(one, clipRange));
        const surrogate = graph.max(graph.neg(graph.mul(advantages, ratio)), graph.neg(graph.mul(advantages, clipped)));
        const entropy = graph.neg(graph.reduceSum(graph.mul(graph.exp(logSoftmax), logSoftmax), [-1], true));
        outputs.push([entropy, names.entropy]);
        loss = graph.sub(total(graph, graph.mul(surrogate, weights)), graph.mul(entropyCoefficient, total(graph, graph.mul(entropy, weights))));
      }
    } else if (termShape.kind === 'ppo-value') {
      const values = graph.add(graph.matmul(hidden, graph.transpose(parameters.get('score.weight')!, [1, 0])), parameters.get('score.bias')!);
      outputs.push([values, names.values]);
      const returns = perToken(names.returns);
      const oldValues = perToken(names.oldValues);
      const clipRange = graph.input(names.clipRange, 'float32', []);
      const delta = graph.sub(values, oldValues);
      const clippedValues = graph.add(oldValues, graph.min(graph.max(delta, graph.neg(clipRange)), clipRange));
      const error = graph.sub(values, returns);
      const clippedError = graph.sub(clippedValues, returns);
      const worst = graph.max(graph.mul(error, error), graph.mul(clippedError, clippedError));
      loss = graph.mul(total(graph, graph.mul(worst, perToken(names.weights))), graph.scalar(0.5));
    } else {
      // InstructGPT Eq. 1: reward at each row's last real token, −log σ(r_w − r_l − m) over all C(K,2) pairs.
      const lastIndex = graph.input(names.lastIndex, 'int64', [batchSize]);
      const lastHidden = graph.gather(hidden, lastIndex);
      const rewards = graph.reshape(
        graph.add(graph.matmul(lastHidden, graph.transpose(parameters.get('score.weight')!, [1, 0])), parameters.get('score.bias')!),
        [batchSize],
      );
      outputs.push([rewards, names.rewards]);
      const pairs = termShape.pairs;
      const winners = graph.gather(rewards, graph.input(names.pairWinners, 'int64', [pairs]));
      const losers = graph.gather(rewards, graph.input(names.pairLosers, 'int64', [pairs]));
      const margin = graph.sub(graph.sub(winners, losers), graph.input(names.pairMargins, 'float32', [pairs]));
      loss = total(graph, graph.mul(graph.softplus(graph.neg(margin)), graph.input(names.pairWeights, 'float32', [pairs])));
    }
    outputs.push([loss, names.loss]);
    return loss;
  };

  const loss = termLoss(shape, '');
  const gradientOutputs: string[] = [];
  if (training) {
    const parameterTensors = specs.map((spec) => parameters.get(spec.name)!);
    const gradients = graph.gradients(loss, parameterTensors);
    const gradientValues = specs.map((spec, index) => {
      const name = `grad.${spec.name}`;
      gradientOutputs.push(name);
      return graph.output(gradients[index]!, name);
    });
    graph.output(graph.sumOfSquares(gradientValues), GRADIENT_SUM_OF_SQUARES);
  }
  if (shape.kind === 'weighted-sum') outputs.push([loss, 'loss']);
  for (const [tensor, name] of outputs) graph.output(tensor, name);
  return {
    modelBytes: graph.toModelBytes(),
    parameters: specs,
    gradientOutputs,
    valueOutputs: outputs.map(([, name]) => name),
    ...(training ? { gradientSumOfSquaresOutput: GRADIENT_SUM_OF_SQUARES } : {}),
    nodeCount: graph.nodeCount,
  };
}
