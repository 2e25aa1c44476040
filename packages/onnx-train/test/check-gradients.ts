import { expectClose, seededRandomArray } from '@instructkit/test-utils';
import { AutodiffGraph, type GraphTensor } from '../src/graph/autodiff-graph';
import { compileGraph, type TestFeeds } from './run-graph';

/** A float input of an op under test. */
export interface FloatInputSpec {
  readonly shape: readonly number[];
  /** Draw values in [0.5, 1.5) instead of [-1, 1) (for log, division). */
  readonly positive?: boolean;
}

/**
 * Central differences of an async scalar function: (f(x+eps) − f(x−eps)) / (x+eps − (x−eps)) with
 * the denominator taken from the rounded points (float32 or float64, as `x`).
 */
export async function asyncFiniteDifferences<T extends Float32Array | Float64Array>(f: (point: T) => Promise<number>, x: T, eps: number): Promise<Float64Array> {
  const gradient = new Float64Array(x.length);
  const point = x.slice() as T;
  for (let index = 0; index < x.length; index++) {
    const original = x[index]!;
    point[index] = original + eps;
    const above = point[index]!;
    const fAbove = await f(point);
    point[index] = original - eps;
    const below = point[index]!;
    const fBelow = await f(point);
    point[index] = original;
    gradient[index] = (fAbove - fBelow) / (above - below);
  }
  return gradient;
}

/**
 * Builds `loss = Σ w ⊙ op(inputs)` with random weights w, differentiates it with the
 * graph's own rules, and compares every input's gradient with finite differences of the
 * forward graph run by onnxruntime. float32 (default): eps 1e-2, so tolerances are ~1e-3.
 * float64 (`floatType: 'float64'`): the whole graph in double precision, eps 1e-6 and
 * tolerances near 1e-8, tight enough to catch a rule that is only approximately right.
 */
export async function checkOpGradient(
  name: string,
  specs: readonly FloatInputSpec[],
  build: (graph: AutodiffGraph, inputs: GraphTensor[]) => GraphTensor,
  extra: { feeds?: TestFeeds; declare?: (graph: AutodiffGraph) => void; atol?: number; rtol?: number; eps?: number; floatType?: 'float32' | 'float64' } = {},
): Promise<void> {
  const floatType = extra.floatType ?? 'float32';
  const double = floatType === 'float64';
  const graph = new AutodiffGraph(name, { floatType });
  extra.declare?.(graph);
  const inputs = specs.map((spec, index) => graph.input(`x${index}`, floatType, spec.shape));
  const result = build(graph, inputs);
  const weights = graph.input('weights', floatType, result.shape);
  const loss = graph.reduceSum(graph.mul(result, weights), result.shape.map((_, axis) => axis), false);
  const gradients = graph.gradients(loss, inputs);
  graph.output(loss, 'loss');
  gradients.forEach((gradient, index) => graph.output(gradient, `grad${index}`));
  const compiled = await compileGraph(graph);
  try {
    const toFloatType = (values: Float32Array) => (double ? Float64Array.from(values) : values);
    const values = specs.map((spec, index) => {
      const count = spec.shape.reduce((total, dimension) => total * dimension, 1);
      const drawn = seededRandomArray(count, 100 + index);
      return toFloatType(spec.positive ? drawn.map((value) => 1 + value / 2) : drawn);
    });
    const weightValues = toFloatType(seededRandomArray(result.shape.reduce((total, dimension) => total * dimension, 1), 7));
    const feeds = (current: (Float32Array | Float64Array)[]): TestFeeds => ({
      ...extra.feeds,
      weights: { data: weightValues, shape: result.shape },
      ...Object.fromEntries(current.map((data, index) => [`x${index}`, { data, shape: specs[index]!.shape }])),
    });
    const analytic = await compiled.run(feeds(values));
    for (let index = 0; index < specs.length; index++) {
      const numeric = await asyncFiniteDifferences(
        async (point) => {
          const current = values.map((value, position) => (position === index ? point : value));
          return (await compiled.run(feeds(current))).loss![0]!;
        },
        values[index]!,
        extra.eps ?? (double ? 1e-6 : 1e-2),
      );
      expectClose(analytic[`grad${index}`]!, numeric, {
        atol: extra.atol ?? (double ? 1e-8 : 2e-3),
        rtol: extra.rtol ?? (double ? 1e-6 : 1e-2),
        label: `${name}: d loss / d x${index}`,
      });
    }
  } finally {
    await compiled.release();
  }
}
