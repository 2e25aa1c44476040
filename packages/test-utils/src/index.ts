/**
 * @packageDocumentation
 * Private test helpers: tolerance checks, finite differences, seeded arrays and the
 * tiny GPT-2 parity fixtures. Mock models live in `@instructkit/core/test`.
 */
export { expectClose } from './expect-close';
export type { CloseOptions } from './expect-close';
export { finiteDifferenceGradient } from './finite-difference-gradient';
export { seededRandomArray } from './seeded-random-array';
export type { SeededRandomArrayOptions } from './seeded-random-array';
export { fixturePath } from './fixture-path';
