import { InstructKitError, InvalidArgumentError, type RewardModelV1, type ScoreRequest } from '@instructkit/core';

/** Settings of {@link createRemoteRewardModel}. */
export interface RemoteRewardModelSettings {
  /** Endpoint that answers `POST {prompts, completions}` with `{scores}` (JSON). */
  readonly url: string;
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }`. Default: none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Pairs per request; larger jobs are split. Default: 64. */
  readonly batchSize?: number;
  /** Milliseconds before a request is abandoned. Default: 60 000. */
  readonly timeoutMs?: number;
  /** Identifies the scorer in logs. Default: the URL. */
  readonly modelId?: string;
  /** The fetch implementation. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** The remote scorer answered with an HTTP error or a body that is not `{scores: number[]}`. */
export class RemoteRewardModelError extends InstructKitError {
  /** The endpoint. */
  readonly url: string;
  /** HTTP status, when the server answered. */
  readonly status?: number;

  constructor(url: string, reason: string, status?: number, options?: { cause?: unknown }) {
    super('remote-reward-model', `${url}: ${reason}`, options);
    this.url = url;
    if (status !== undefined) this.status = status;
  }
}

/**
 * A `RewardModelV1` served elsewhere over HTTP — a larger reward model behind any server that
 * speaks this contract: request body `{"prompts": string[], "completions": string[]}`, response
 * body `{"scores": number[]}` in the same order. (`@instructkit/server` serves it.)
 *
 * @throws InvalidArgumentError for a URL that does not parse or a batch size < 1.
 * @example
 * ```ts
 * const rewardModel = createRemoteRewardModel({ url: 'http://rm.internal:8080/score', headers: { authorization: `Bearer ${token}` } });
 * ```
 */
export function createRemoteRewardModel(settings: RemoteRewardModelSettings): RewardModelV1 {
  try {
    new URL(settings.url);
  } catch (error) {
    throw new InvalidArgumentError('url', `"${settings.url}" is not an absolute URL`, { cause: error });
  }
  const batchSize = settings.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('batchSize', `must be an integer ≥ 1, got ${batchSize}`);
  const fetchImplementation = settings.fetch ?? globalThis.fetch;
  const timeoutMs = settings.timeoutMs ?? 60_000;

  const scoreBatch = async (prompts: readonly string[], completions: readonly string[], signal?: AbortSignal): Promise<number[]> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetchImplementation(settings.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...settings.headers },
        body: JSON.stringify({ prompts, completions }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new RemoteRewardModelError(settings.url, `request failed: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw new RemoteRewardModelError(settings.url, `HTTP ${response.status}: ${text.slice(0, 200)}`, response.status);
    let scores: unknown;
    try {
      scores = (JSON.parse(text) as { scores?: unknown }).scores;
    } catch (error) {
      throw new RemoteRewardModelError(settings.url, `response is not JSON: ${text.slice(0, 200)}`, response.status, { cause: error });
    }
    if (!Array.isArray(scores) || scores.length !== prompts.length || scores.some((score) => typeof score !== 'number' || !Number.isFinite(score))) {
      throw new RemoteRewardModelError(settings.url, `expected {"scores": [${prompts.length} finite numbers]}, got ${text.slice(0, 200)}`, response.status);
    }
    return scores as number[];
  };

  return {
    specificationVersion: 'v1',
    modelId: settings.modelId ?? settings.url,
    async doScore(request: ScoreRequest): Promise<number[]> {
      if (request.prompts.length !== request.completions.length) {
        throw new InvalidArgumentError('completions', `has ${request.completions.length} entries for ${request.prompts.length} prompts`);
      }
      const scores: number[] = [];
      for (let start = 0; start < request.prompts.length; start += batchSize) {
        const end = start + batchSize;
        scores.push(...(await scoreBatch(request.prompts.slice(start, end), request.completions.slice(start, end), request.signal)));
      }
      return scores;
    },
  };
}
