import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, UnsupportedError } from '@instructkit/core';
import { listBackends, registerBackend, selectBackend } from '../src/backends';

// Pretend @tensorflow/tfjs-node is installed: importing it registers the `tensorflow` backend, as the real one does.
vi.mock('@tensorflow/tfjs-node', () => {
  tf.registerBackend('tensorflow', () => new MathBackendCPU(), 0);
  return { version: 'mocked' };
});
// And that tfjs-node-gpu is installed but broken (its native library cannot load).
vi.mock('@tensorflow/tfjs-node-gpu', () => {
  throw new Error('libtensorflow.so: cannot open shared object file');
});

describe('selectBackend', () => {
  afterEach(async () => {
    delete process.env.INSTRUCTKIT_BACKEND;
    await selectBackend({ backend: 'wasm', log: () => undefined });
  });

  it('orders the built-in backends tfjs-node-gpu > tfjs-node > wasm > cpu', () => {
    expect(listBackends().filter((name) => ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'].includes(name))).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
  });

  it('takes tfjs-node when it imports and tfjs-node-gpu does not, and logs the choice once', async () => {
    const messages: string[] = [];
    expect(await selectBackend({ log: (message) => messages.push(message) })).toBe('tfjs-node');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(await selectBackend({ log: (message) => messages.push(message) })).toBe('tfjs-node');
    expect(messages).toEqual(['[instructkit] tfjs backend: tfjs-node']);
  });

  it('honours INSTRUCTKIT_BACKEND', async () => {
    process.env.INSTRUCTKIT_BACKEND = 'cpu';
    expect(await selectBackend({ log: () => undefined })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('lets an explicit option win over the environment', async () => {
    process.env.INSTRUCTKIT_BACKEND = 'cpu';
    expect(await selectBackend({ backend: 'wasm', log: () => undefined })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects an unknown name with a typed error naming the source', async () => {
    process.env.INSTRUCTKIT_BACKEND = 'webgpu';
    await expect(selectBackend({ log: () => undefined })).rejects.toThrow(InvalidArgumentError);
    await expect(selectBackend({ log: () => undefined })).rejects.toThrow(/INSTRUCTKIT_BACKEND: unknown backend "webgpu"/);
  });

  it('reports a registered but uninstalled backend as unsupported', async () => {
    await expect(selectBackend({ backend: 'tfjs-node-gpu', log: () => undefined })).rejects.toThrow(UnsupportedError);
  });

  it('prefers a newly registered backend of higher priority', async () => {
    registerBackend('test-preferred', async () => 'cpu', 10_000);
    try {
      expect(await selectBackend({ log: () => undefined })).toBe('test-preferred');
      expect(tf.getBackend()).toBe('cpu');
    } finally {
      registerBackend('test-preferred', async () => undefined, -1);
    }
  });
});
