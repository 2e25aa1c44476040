import { it } from 'vitest';
import { createRng } from '@instructkit/core';
it('rng', () => {
  const rng = createRng(1); const m = new Uint8Array(4_500_000);
  for (let r = 0; r < 3; r++) { const t = performance.now(); for (let i = 0; i < m.length; i++) m[i] = rng.nextUint32() >= 429496729 ? 1 : 0; console.log('rng ms', performance.now() - t); }
});
