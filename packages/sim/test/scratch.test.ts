import { it } from 'vitest';
import { generateSimDataset, fewShotPrefix } from '../src/index';

it('explore', async () => {
  const started = Date.now();
  const result = await generateSimDataset({ seed: 1, outDir: '/tmp/sim-scratch' });
  console.log(Date.now() - started, 'ms', JSON.stringify(result.manifest.splits), result.manifest.labelerAgreement);
  console.log(fewShotPrefix(3, 0));
});
