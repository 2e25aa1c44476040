import { describe, expect, it } from 'vitest';
import { expectClose } from '@instructkit/test-utils';
import { AutodiffGraph, broadcastShapes } from './autodiff-graph';
import { checkOpGradient } from '../../test/check-gradients';
import { compileGraph } from '../../test/run-graph';

describe('AutodiffGraph gradient rules match finite differences', () => {
  it('add, sub, mul and div with broadcasting', async () => {
    await checkOpGradient('add', [{ shape: [2, 3] }, { shape: [3] }], (graph, [a, b]) => graph.add(a!, b!));
    await checkOpGradient('sub', [{ shape: [2, 1, 3] }, { shape: [4, 1] }], (graph, [a, b]) => graph.sub(a!, b!));
    await checkOpGradient('mul', [{ shape: [2, 3] }, { shape: [2, 1] }], (graph, [a, b]) => graph.mul(a!, b!));
    await checkOpGradient('div', [{ shape: [2, 3] }, { shape: [3], positive: true }], (graph, [a, b]) => graph.div(a!, b!));
  });

  it('neg, exp, log, tanh, sigmoid and softplus', async () => {
    await checkOpGradient('neg', [{ shape: [5] }], (graph, [x]) => graph.neg(x!));
    await checkOpGradient('exp', [{ shape: [5] }], (graph, [x]) => graph.exp(x!));
    await checkOpGradient('log', [{ shape: [5], positive: true }], (graph, [x]) => graph.log(x!));
    await checkOpGradient('tanh', [{ shape: [5] }], (graph, [x]) => graph.tanh(x!));
    await checkOpGradient('sigmoid', [{ shape: [5] }], (graph, [x]) => graph.sigmoid(x!));
    await checkOpGradient('softplus', [{ shape: [5] }], (graph, [x]) => graph.softplus(x!));
  });

  it('max, min and where route the gradient to the selected operand', async () => {
    await checkOpGradient('max', [{ shape: [2, 4] }, { shape: [4] }], (graph, [a, b]) => graph.max(a!, b!));
    await checkOpGradient('min', [{ shape: [2, 4] }, { shape: [1] }], (graph, [a, b]) => graph.min(a!, b!));
    const condition = { data: Uint8Array.from([1, 0, 0, 1, 1, 0]), shape: [2, 3] };
    await checkOpGradient('where', [{ shape: [2, 3] }, { shape: [3] }], (graph, [a, b]) => graph.where(graph.input('condition', 'bool', [2, 3]), a!, b!), {
      feeds: { condition },
    });
  });

  it('reshape, transpose, reduceSum and reduceMean', async () => {
    await checkOpGradient('reshape', [{ shape: [2, 6] }], (graph, [x]) => graph.mul(graph.reshape(x!, [3, 4]), graph.reshape(x!, [3, 4])));
    await checkOpGradient('transpose', [{ shape: [2, 3, 4] }], (graph, [x]) => graph.transpose(x!, [2, 0, 1]));
    await checkOpGradient('slice', [{ shape: [2, 6] }], (graph, [x]) => graph.slice(x!, 1, 2, 5));
    await checkOpGradient('reduceSum', [{ shape: [2, 3, 4] }], (graph, [x]) => graph.reduceSum(x!, [0, 2], false));
    await checkOpGradient('reduceMean', [{ shape: [2, 3, 4] }], (graph, [x]) => graph.reduceMean(x!, [-1], true));
  });

  it('matmul: 2-D, batched 4-D, N-D times 2-D, and times a transpose', async () => {
    await checkOpGradient('matmul2d', [{ shape: [3, 4] }, { shape: [4, 2] }], (graph, [a, b]) => graph.matmul(a!, b!));
    await checkOpGradient('matmul4d', [{ shape: [2, 2, 3, 4] }, { shape: [2, 2, 4, 3] }], (graph, [a, b]) => graph.matmul(a!, b!));
    await checkOpGradient('matmulTransposed', [{ shape: [3, 4] }, { shape: [5, 4] }], (graph, [a, b]) => graph.matmulTransposed(a!, b!));
    await checkOpGradient('matmulNd', [{ shape: [2, 3, 4] }, { shape: [4, 5] }], (graph, [a, b]) => graph.matmul(a!, b!));
    await checkOpGradient('matmulTransposed4d', [{ shape: [2, 2, 3, 4] }, { shape: [2, 2, 5, 4] }], (graph, [a, b]) => graph.matmulTransposed(a!, b!));
  });

  it('split concatenates the cotangents of its parts, with zeros for an unused part', async () => {
    await checkOpGradient('split', [{ shape: [2, 7] }], (graph, [x]) => {
      const [left, , right] = graph.split(x!, 1, [2, 3, 2]);
      return graph.mul(left!, right!);
    });
  });

  it('softmax, logSoftmax and layerNorm', async () => {
    await checkOpGradient('softmax', [{ shape: [3, 5] }], (graph, [x]) => graph.softmax(x!));
    await checkOpGradient('logSoftmax', [{ shape: [3, 5] }], (graph, [x]) => graph.logSoftmax(x!));
    await checkOpGradient('layerNorm', [{ shape: [2, 3, 6] }, { shape: [6] }, { shape: [6] }], (graph, [x, gamma, beta]) => graph.layerNorm(x!, gamma!, beta!, 1e-5), {
      atol: 5e-3,
      rtol: 2e-2,
      eps: 5e-3,
    });
  });

  it('gather (with repeated indices) and gatherLast', async () => {
    const indices = { data: BigInt64Array.from([2n, 0n, 2n, 3n]), shape: [2, 2] };
    await checkOpGradient('gather', [{ shape: [5, 3] }], (graph, [table]) => graph.gather(table!, graph.input('ids', 'int64', [2, 2])), {
      feeds: { ids: indices },
    });
    const targets = { data: BigInt64Array.from([1n, 4n, 0n]), shape: [3, 1] };
    await checkOpGradient('gatherLast', [{ shape: [3, 5] }], (graph, [x]) => graph.gatherLast(x!, graph.input('targets', 'int64', [3, 1])), {
      feeds: { targets },
    });
  });

  it('geluTanh, targetLogprobs and dropout', async () => {
    await checkOpGradient('geluTanh', [{ shape: [7] }], (graph, [x]) => graph.geluTanh(x!));
    const targets = { data: BigInt64Array.from([3n, 0n, 4n]), shape: [3, 1] };
    await checkOpGradient('targetLogprobs', [{ shape: [3, 5] }], (graph, [x]) => graph.targetLogprobs(x!, graph.input('targets', 'int64', [3, 1])), { feeds: { targets } });
    await checkOpGradient(
      'projectedTargetLogprobs',
      [{ shape: [3, 4] }, { shape: [5, 4] }],
      (graph, [hidden, unembedding]) => graph.projectedTargetLogprobs(hidden!, unembedding!, graph.input('targets', 'int64', [3, 1])),
      // Row 0 and row 2 pick the same target: their unembedding gradients must add up.
      { feeds: { targets: { data: BigInt64Array.from([3n, 0n, 3n]), shape: [3, 1] } } },
    );
    const keep = { data: Uint8Array.from([1, 0, 1, 1, 0, 1]), shape: [6] };
    await checkOpGradient('dropout', [{ shape: [6] }], (graph, [x]) => graph.dropout(x!, graph.input('keep', 'bool', [6]), 0.25), { feeds: { keep } });
  });
});

describe('AutodiffGraph in float64', () => {
  // Double precision lets finite differences resolve the rules to ~1e-8 instead of ~1e-3.
  const double = { floatType: 'float64' as const };

  it('matches finite differences to 1e-8 for elementwise, matmul and reduction rules', async () => {
    await checkOpGradient('mul64', [{ shape: [2, 3] }, { shape: [3] }], (graph, [a, b]) => graph.mul(a!, b!), double);
    await checkOpGradient('div64', [{ shape: [2, 3] }, { shape: [3], positive: true }], (graph, [a, b]) => graph.div(a!, b!), double);
    await checkOpGradient('tanh64', [{ shape: [5] }], (graph, [x]) => graph.tanh(x!), double);
    await checkOpGradient('matmul64', [{ shape: [2, 3, 4] }, { shape: [4, 5] }], (graph, [a, b]) => graph.matmul(a!, b!), double);
    await checkOpGradient('reduceMean64', [{ shape: [2, 3, 4] }], (graph, [x]) => graph.reduceMean(x!, [-1], true), double);
  });

  it('matches finite differences to 1e-8 for softmax, layerNorm, tanh-GELU and the fused LM head', async () => {
    await checkOpGradient('softmax64', [{ shape: [3, 5] }], (graph, [x]) => graph.softmax(x!), double);
    await checkOpGradient('layerNorm64', [{ shape: [2, 3, 6] }, { shape: [6] }, { shape: [6] }], (graph, [x, gamma, beta]) => graph.layerNorm(x!, gamma!, beta!, 1e-5), double);
    await checkOpGradient('geluTanh64', [{ shape: [7] }], (graph, [x]) => graph.geluTanh(x!), double);
    await checkOpGradient(
      'projectedTargetLogprobs64',
      [{ shape: [3, 4] }, { shape: [5, 4] }],
      (graph, [hidden, unembedding]) => graph.projectedTargetLogprobs(hidden!, unembedding!, graph.input('targets', 'int64', [3, 1])),
      { ...double, feeds: { targets: { data: BigInt64Array.from([3n, 0n, 3n]), shape: [3, 1] } } },
    );
  });

  it('writes float64 inputs, constants and outputs', async () => {
    const graph = new AutodiffGraph('double', { floatType: 'float64' });
    const x = graph.input('x', 'float64', [2]);
    graph.output(graph.add(x, graph.scalar(1e-12)), 'y');
    const compiled = await compileGraph(graph);
    const { y } = await compiled.run({ x: { data: Float64Array.from([1, 2]), shape: [2] } });
    await compiled.release();
    expect(y).toBeInstanceOf(Float64Array);
    // 1 + 1e-12 is not representable in float32.
    expect(Math.abs(y![0]! - 1 - 1e-12)).toBeLessThan(1e-15);
  });
});

describe('AutodiffGraph forward values', () => {
  it('computes tanh-GELU like the closed form', async () => {
    const graph = new AutodiffGraph('gelu');
    const x = graph.input('x', 'float32', [4]);
    graph.output(graph.geluTanh(x), 'y');
    const compiled = await compileGraph(graph);
    const values = Float32Array.from([-2, -0.5, 0.3, 1.7]);
    const { y } = await compiled.run({ x: { data: values, shape: [4] } });
    await compiled.release();
    const expected = Array.from(values, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    expectClose(y!, expected, { atol: 1e-6, label: 'gelu' });
  });

  it('gives zero gradients to inputs the loss does not depend on', async () => {
    const graph = new AutodiffGraph('unused');
    const x = graph.input('x', 'float32', [2]);
    const unused = graph.input('unused', 'float32', [3]);
    const [, gradient] = graph.gradients(graph.reduceSum(graph.mul(x, x), [0], false), [x, unused]);
    graph.output(gradient!, 'g');
    const compiled = await compileGraph(graph);
    const { g } = await compiled.run({ x: { data: Float32Array.from([1, 2]), shape: [2] }, unused: { data: new Float32Array(3), shape: [3] } });
    await compiled.release();
    expect(Array.from(g!)).toEqual([0, 0, 0]);
  });

  it('rejects shapes that do not broadcast', () => {
    expect(() => broadcastShapes([2, 3], [4])).toThrow(/cannot broadcast/);
  });
});
