import { describe, expect, it } from 'vitest';
import { fixturePath } from '@instructkit/test-utils';
import { loadCausalLM, loadScalarModel } from '../src/index';

describe('loadCausalLM settings', () => {
  it('replaces only the dropout fields it is given and keeps the rest of config.json', async () => {
    const original = await loadCausalLM(fixturePath('tiny-gpt2'), { backend: 'cpu' });
    const loaded = await loadCausalLM(fixturePath('tiny-gpt2'), { backend: 'cpu', dropout: { residual: 0.2 } });
    const scalar = await loadScalarModel(fixturePath('tiny-gpt2-scalar'), { backend: 'cpu', dropout: { attention: 0 } });
    try {
      expect(loaded.config.dropout?.residual).toBe(0.2);
      expect(loaded.config.dropout?.attention).toBe(original.config.dropout?.attention);
      expect(loaded.config.dropout?.embedding).toBe(original.config.dropout?.embedding);
      expect(scalar.config.dropout?.attention).toBe(0);
      expect({ ...loaded.config, dropout: undefined }).toEqual({ ...original.config, dropout: undefined });
    } finally {
      original.dispose();
      loaded.dispose();
      scalar.dispose();
    }
  });
});
