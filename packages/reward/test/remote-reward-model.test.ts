import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@instructkit/core';
import { createRemoteRewardModel, RemoteRewardModelError } from '../src/index';

interface Received {
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: { prompts: string[]; completions: string[] };
}

describe('createRemoteRewardModel', () => {
  let server: Server;
  let base = '';
  const received: Received[] = [];

  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const body = JSON.parse(await readBody(request));
      received.push({ url: request.url!, authorization: request.headers.authorization, body });
      if (request.url === '/broken') {
        response.writeHead(500).end('model crashed');
      } else if (request.url === '/short') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ scores: [1] }));
      } else {
        // Score = completion length − prompt length: independent of how requests are split.
        const scores = body.prompts.map((prompt: string, index: number) => body.completions[index].length - prompt.length);
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ scores }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts prompts and completions in batches with the given headers and keeps the order', async () => {
    received.length = 0;
    const rewardModel = createRemoteRewardModel({ url: `${base}/score`, headers: { authorization: 'Bearer secret' }, batchSize: 2 });
    const scores = await rewardModel.doScore({ prompts: ['a', 'bb', 'c', 'dddd', 'e'], completions: ['xyz', 'x', 'xy', 'x', 'x'] });
    expect(scores).toEqual([2, -1, 1, -3, 0]);
    expect(received.map((request) => request.body.prompts.length)).toEqual([2, 2, 1]);
    expect(received.every((request) => request.authorization === 'Bearer secret' && request.url === '/score')).toBe(true);
    expect(rewardModel.modelId).toBe(`${base}/score`);
  });

  it('reports an HTTP error or a malformed answer as a RemoteRewardModelError', async () => {
    const broken = createRemoteRewardModel({ url: `${base}/broken` });
    await expect(broken.doScore({ prompts: ['a'], completions: ['b'] })).rejects.toThrow(/HTTP 500: model crashed/);
    const short = createRemoteRewardModel({ url: `${base}/short` });
    const error = await short.doScore({ prompts: ['a', 'b'], completions: ['c', 'd'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteRewardModelError);
    expect((error as Error).message).toMatch(/expected \{"scores": \[2 finite numbers\]\}/);
  });

  it('rejects a relative URL', () => {
    expect(() => createRemoteRewardModel({ url: '/score' })).toThrow(InvalidArgumentError);
  });
});
