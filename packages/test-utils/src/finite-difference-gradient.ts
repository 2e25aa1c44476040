/**
 * Central finite-difference gradient of a scalar function,
 * `(f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps)` for every coordinate i — the independent
 * reference gradient checks compare autodiff against. Error is O(eps²) for smooth f;
 * with float32 inside `f`, eps around 1e-3 balances truncation and rounding.
 *
 * @param f - The function; it receives a float64 copy of the point (do not keep it).
 * @param x - The point, any numeric array.
 * @param eps - Step size. Default: 1e-3.
 * @returns `[x.length]` gradient estimate.
 * @example
 * const numeric = finiteDifferenceGradient((w) => loss(Float32Array.from(w)), weights);
 * expectClose(analytic, numeric, { atol: 1e-3, rtol: 1e-2, label: 'dLoss/dw' });
 */
export function finiteDifferenceGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, eps = 1e-3): Float64Array {
  if (!(eps > 0)) throw new Error(`eps: must be positive, got ${eps}`);
  const point = Float64Array.from(x as ArrayLike<number>);
  const gradient = new Float64Array(point.length);
  for (let index = 0; index < point.length; index++) {
    const original = point[index]!;
    point[index] = original + eps;
    const above = f(Float64Array.from(point));
    point[index] = original - eps;
    const below = f(Float64Array.from(point));
    point[index] = original;
    gradient[index] = (above - below) / (2 * eps);
  }
  return gradient;
}
