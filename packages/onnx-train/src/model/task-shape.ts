/**
 * The static shape of one compiled objective: what a cached session is keyed on.
 * Tasks with the same shape reuse one onnxruntime session.
 */
export type TaskShape =
  | { readonly kind: 'language-modeling'; readonly batchSize: number; readonly length: number }
  | { readonly kind: 'ranking'; readonly batchSize: number; readonly length: number; readonly pairs: number }
  | { readonly kind: 'ppo-policy'; readonly batchSize: number; readonly length: number }
  | { readonly kind: 'ppo-value'; readonly batchSize: number; readonly length: number }
  | { readonly kind: 'weighted-sum'; readonly terms: readonly TaskShape[] };

/** A stable string key of a task shape (session cache key). */
export function taskShapeKey(shape: TaskShape): string {
  if (shape.kind === 'weighted-sum') return `sum(${shape.terms.map(taskShapeKey).join(',')})`;
  const base = `${shape.kind}:${shape.batchSize}x${shape.length}`;
  return shape.kind === 'ranking' ? `${base}:p${shape.pairs}` : base;
}
