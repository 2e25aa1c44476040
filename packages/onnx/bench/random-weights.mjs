/**
 * Seeded random GPT-2 weights in Hugging Face naming for the benchmarks (an LCG, so every
 * script and run gets the same weights for the same config and seed).
 */
export function randomWeights(config, seed) {
  const d = config.hiddenSize;
  let state = seed >>> 0;
  const tensor = (shape, scale, offset = 0) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let index = 0; index < data.length; index++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      data[index] = offset + (state / 2 ** 32 - 0.5) * 2 * scale;
    }
    return { dtype: 'float32', shape, data };
  };
  const weights = new Map([['wte.weight', tensor([config.vocabSize, d], 0.02)], ['wpe.weight', tensor([config.contextLength, d], 0.01)]]);
  for (let layer = 0; layer < config.numLayers; layer++) {
    const p = `h.${layer}`;
    weights.set(`${p}.ln_1.weight`, tensor([d], 0, 1)).set(`${p}.ln_1.bias`, tensor([d], 0));
    weights.set(`${p}.ln_2.weight`, tensor([d], 0, 1)).set(`${p}.ln_2.bias`, tensor([d], 0));
    weights.set(`${p}.attn.c_attn.weight`, tensor([d, 3 * d], 0.02)).set(`${p}.attn.c_attn.bias`, tensor([3 * d], 0));
    weights.set(`${p}.attn.c_proj.weight`, tensor([d, d], 0.02)).set(`${p}.attn.c_proj.bias`, tensor([d], 0));
    weights.set(`${p}.mlp.c_fc.weight`, tensor([d, 4 * d], 0.02)).set(`${p}.mlp.c_fc.bias`, tensor([4 * d], 0));
    weights.set(`${p}.mlp.c_proj.weight`, tensor([4 * d, d], 0.02)).set(`${p}.mlp.c_proj.bias`, tensor([d], 0));
  }
  weights.set('ln_f.weight', tensor([d], 0, 1)).set('ln_f.bias', tensor([d], 0));
  return weights;
}
