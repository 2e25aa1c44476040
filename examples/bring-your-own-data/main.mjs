// Your own preference data through reward-model training and evaluation.
//
//   npm start                              data/preferences.jsonl (TRL format, shipped here)
//   npm start -- my-pairs.jsonl            any TRL {prompt, chosen, rejected} file (text or messages),
//                                          or Anthropic HH-RLHF rows ({chosen, rejected} transcripts)
//
// Steps: read and validate the rows (errors name file:line:field) → hold out 20% → train a
// byte-level BPE on the text → a small GPT-2 with a scalar head → InstructGPT's ranking loss
// (a pair is a K = 2 ranking) → pairwise accuracy on the held-out pairs → score new answers.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AnthropicHhRow, TrlPreferenceRow, fromAnthropicHh, fromTrlPreference, readRecords } from '@instructkit/data';
import { createRewardModel, evaluateRankings, rankingExamplesFromPairs, trainRewardModel } from '@instructkit/reward';
import { createScalarModel } from '@instructkit/tfjs';
import { trainTokenizer } from '@instructkit/tokenizer';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The shipped example file: 200 TRL-format pairs (arithmetic, list reversal, reading, greetings). */
export const SHIPPED_PAIRS = path.join(here, 'data', 'preferences.jsonl');

/** Renders a conversation as text for a text-only tokenizer (the HH transcript style). */
function conversationText(messages) {
  return messages.map((message) => `${message.role === 'user' ? 'Human' : 'Assistant'}: ${message.content}`).join('\n');
}

/** Text pairs from TRL or HH rows: the prompt ends with "Assistant:", completions start with a space. */
async function readPairs(file) {
  const pairs = [];
  for await (const row of readRecords(file, TrlPreferenceRow.or(AnthropicHhRow))) {
    const pair = 'prompt' in row || typeof row.chosen !== 'string' || !row.chosen.includes('\n\nHuman:') ? fromTrlPreference(row) : fromAnthropicHh(row);
    if ('prompt' in pair && typeof pair.prompt === 'string') {
      pairs.push(pair);
    } else {
      // Conversational pair: flatten the prompt turns, keep the final answers.
      const last = (messages) => messages.at(-1).content;
      pairs.push({ prompt: `${conversationText(pair.prompt)}\nAssistant:`, chosen: ` ${last(pair.chosen)}`, rejected: ` ${last(pair.rejected)}` });
    }
  }
  return pairs;
}

/**
 * Runs the example.
 * @param {{ file?: string, epochs?: number, hiddenSize?: number, runDirectory?: string, seed?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<{ trainPairs: number, heldOutPairs: number, accuracy: number, scores: { good: number, bad: number } }>}
 */
export async function run(options = {}) {
  const log = options.log ?? console.log;
  const file = options.file ?? SHIPPED_PAIRS;
  const pairs = await readPairs(file);
  const heldOutCount = Math.max(1, Math.round(pairs.length * 0.2));
  const train = rankingExamplesFromPairs(pairs.slice(heldOutCount));
  const heldOut = rankingExamplesFromPairs(pairs.slice(0, heldOutCount));
  log(`${file}: ${pairs.length} pairs → ${train.length} for training, ${heldOut.length} held out`);

  const tokenizer = await trainTokenizer({ texts: pairs.flatMap((pair) => [pair.prompt + pair.chosen, pair.rejected]), vocabSize: 512 });
  const hiddenSize = options.hiddenSize ?? 64;
  const model = await createScalarModel({
    config: { architecture: 'gpt2', vocabSize: tokenizer.vocabSize, contextLength: 64, hiddenSize, numLayers: 2, numHeads: 2, eosTokenId: tokenizer.eosTokenId },
    seed: options.seed ?? 1,
  });
  try {
    model.configureTraining({ optimizer: { learningRate: 1e-3, beta2: 0.95 }, maxGradNorm: 1, seed: options.seed ?? 1 });
    const result = await trainRewardModel({
      model,
      tokenizer,
      train,
      validation: heldOut,
      epochs: options.epochs ?? 6,
      promptsPerBatch: 16,
      runDirectory: options.runDirectory ?? path.join(here, 'runs', 'reward-model'),
      tokenizerJson: () => tokenizer.toTokenizerJson(),
      onEvent: (event) => {
        if (event.type === 'eval-end') log(`  step ${event.step}: held-out accuracy ${(100 * event.metrics.validationAccuracy).toFixed(1)}%`);
      },
    });
    const rewardModel = createRewardModel({ model, tokenizer });
    const evaluation = await evaluateRankings({ rewardModel, rankings: heldOut });
    log(`held-out pairwise accuracy ${(100 * evaluation.accuracy).toFixed(1)}% over ${evaluation.pairs} pairs (chance: 50%); model in ${result.exported}`);
    const [good, bad] = await rewardModel.doScore({
      prompts: ['Human: What is 3 plus 4?\nAssistant:', 'Human: What is 3 plus 4?\nAssistant:'],
      completions: [' 3 plus 4 is 7.', " I don't want to do math right now."],
    });
    log(`scores for "3 plus 4 is 7." and a refusal: ${good.toFixed(3)} vs ${bad.toFixed(3)}`);
    return { trainPairs: train.length, heldOutPairs: heldOut.length, accuracy: evaluation.accuracy, scores: { good, bad } };
  } finally {
    model.dispose();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ ...(process.argv[2] ? { file: path.resolve(process.argv[2]) } : {}) });
}
