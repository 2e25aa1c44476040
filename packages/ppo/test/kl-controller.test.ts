import { describe, expect, it } from 'vitest';
import { createAdaptiveKlController, createFixedKlController, restoreKlController } from '../src/kl-controller';
import { expectClose } from './expect-close';

describe('createFixedKlController', () => {
  it('keeps β at 0.02 by default whatever the KL', () => {
    const controller = createFixedKlController();
    controller.update(100, 64);
    expect(controller.value).toBe(0.02);
  });
});

describe('createAdaptiveKlController', () => {
  it('raises β when KL is above target, by the clipped proportional error', () => {
    // KL 9 vs target 6 → error clip(0.5) = 0.2; β = 0.1 · (1 + 0.2 · 100 / 1000) = 0.102
    const controller = createAdaptiveKlController({ initial: 0.1, target: 6, horizon: 1000 });
    controller.update(9, 100);
    expectClose(controller.value, 0.102, 1e-12);
  });

  it('lowers β when KL is below target, proportionally inside the clip', () => {
    // KL 5.4 vs 6 → error −0.1; β = 0.1 · (1 − 0.1 · 50/1000) = 0.0995
    const controller = createAdaptiveKlController({ initial: 0.1, target: 6, horizon: 1000 });
    controller.update(5.4, 50);
    expectClose(controller.value, 0.0995, 1e-12);
  });

  it('round-trips through its state', () => {
    const controller = createAdaptiveKlController({ initial: 0.1, target: 6, horizon: 1000 });
    controller.update(9, 100);
    const restored = restoreKlController(JSON.parse(JSON.stringify(controller.state())));
    restored.update(9, 100);
    controller.update(9, 100);
    expect(restored.value).toBe(controller.value);
  });
});
