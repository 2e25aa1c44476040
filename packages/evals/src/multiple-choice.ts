import { readFile } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { InvalidFileError, InvalidRecordError, type CausalLMV1 } from '@instructkit/core';
import { scoreContinuations, type TextEncoderLike } from './score-continuations';

/** A multiple-choice item scored by log-likelihood (HellaSwag-style: one correct ending). */
export interface MultipleChoiceItem {
  /** Context shown before every choice. */
  readonly context: string;
  /** Candidate continuations. */
  readonly choices: readonly string[];
  /** Index of the correct choice. */
  readonly label: number;
}

/** Accuracy of picking the highest-likelihood choice. */
export interface MultipleChoiceResult {
  /** Fraction correct by total log-likelihood. */
  readonly accuracy: number;
  /** Fraction correct by log-likelihood per character (lm-eval-harness `acc_norm`). */
  readonly accuracyNormalized: number;
  /** Items scored. */
  readonly n: number;
}

/**
 * Log-likelihood multiple choice: the alignment-tax suite's scorer (HellaSwag layout).
 * Chance is 1/#choices.
 */
export async function evaluateMultipleChoice(options: {
  model: CausalLMV1;
  tokenizer: TextEncoderLike;
  items: readonly MultipleChoiceItem[];
  batchSize?: number;
}): Promise<MultipleChoiceResult> {
  const flat = options.items.flatMap((item) => item.choices.map((choice) => ({ context: item.context, continuation: choice })));
  const scores = await scoreContinuations({ ...options, items: flat });
  let correct = 0;
  let correctNormalized = 0;
  let offset = 0;
  for (const item of options.items) {
    const mine = scores.slice(offset, offset + item.choices.length);
    offset += item.choices.length;
    if (argmax(mine.map((score) => score.logprob)) === item.label) correct++;
    if (argmax(mine.map((score) => score.logprob / Math.max(1, score.characters))) === item.label) correctNormalized++;
  }
  const n = options.items.length;
  return { accuracy: n ? correct / n : Number.NaN, accuracyNormalized: n ? correctNormalized / n : Number.NaN, n };
}

/** A TruthfulQA-style question: true and false reference answers. */
export interface TruthfulnessQuestion {
  /** The question. */
  readonly question: string;
  /** MC1: exactly one true answer among the choices. */
  readonly mc1: { readonly choices: readonly string[]; readonly labels: readonly (0 | 1)[] };
  /** MC2: several true and false answers. */
  readonly mc2: { readonly choices: readonly string[]; readonly labels: readonly (0 | 1)[] };
}

/** TruthfulQA MC1 and MC2 scores. */
export interface TruthfulnessResult {
  /** Fraction of questions where the single true answer has the highest likelihood. */
  readonly mc1: number;
  /** Mean normalised probability mass on the true answers. */
  readonly mc2: number;
  /** Questions scored. */
  readonly n: number;
}

/**
 * TruthfulQA's multiple-choice metrics (Lin et al. 2021): MC1 picks the single best
 * answer by log-likelihood; MC2 is the normalised probability of the set of true answers,
 * Σ_true p / Σ_all p. The prompt is `Q: {question}\nA:` followed by ` {answer}`.
 */
export async function evaluateTruthfulness(options: {
  model: CausalLMV1;
  tokenizer: TextEncoderLike;
  questions: readonly TruthfulnessQuestion[];
  /** Renders the question as context. Default: `Q: ${question}\nA:`. */
  formatQuestion?: (question: string) => string;
  batchSize?: number;
}): Promise<TruthfulnessResult> {
  const format = options.formatQuestion ?? ((question: string) => `Q: ${question}\nA:`);
  let mc1 = 0;
  let mc2 = 0;
  for (const question of options.questions) {
    const context = format(question.question);
    const score = async (choices: readonly string[]) =>
      (await scoreContinuations({ ...options, items: choices.map((choice) => ({ context, continuation: ` ${choice}` })) })).map(
        (s) => s.logprob,
      );
    const mc1Scores = await score(question.mc1.choices);
    if (question.mc1.labels[argmax(mc1Scores)] === 1) mc1++;
    const mc2Scores = await score(question.mc2.choices);
    const max = Math.max(...mc2Scores);
    let truthMass = 0;
    let totalMass = 0;
    mc2Scores.forEach((logprob, i) => {
      const p = Math.exp(logprob - max);
      totalMass += p;
      if (question.mc2.labels[i] === 1) truthMass += p;
    });
    mc2 += truthMass / totalMass;
  }
  const n = options.questions.length;
  return { mc1: n ? mc1 / n : Number.NaN, mc2: n ? mc2 / n : Number.NaN, n };
}

/**
 * Loads TruthfulQA questions from either public layout: the multiple-choice JSON
 * (`[{ question, mc1_targets: { answer: 0|1 }, mc2_targets: {...} }]`) or the
 * generation CSV (`Question`, `Best Answer`, `Correct Answers`, `Incorrect Answers`,
 * answers separated by `;`). Our own sim question sets use the JSON layout.
 *
 * @throws InvalidFileError / InvalidRecordError naming the file, the record and the field.
 */
export async function loadTruthfulnessQuestions(file: string): Promise<TruthfulnessQuestion[]> {
  const text = await readFile(file, 'utf8');
  if (file.toLowerCase().endsWith('.csv')) return parseTruthfulQaCsv(text, file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidFileError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(json)) throw new InvalidFileError(file, 'expected a JSON array of questions');
  return json.map((record: unknown, index) => {
    // JSON arrays have no line numbers: report the 1-based record index instead.
    const where = (field: string, reason: string) => new InvalidRecordError(file, index + 1, field, reason);
    if (typeof record !== 'object' || record === null) throw where('', 'expected an object');
    const { question, mc1_targets: mc1Targets, mc2_targets: mc2Targets } = record as Record<string, unknown>;
    if (typeof question !== 'string') throw where('question', 'expected a string');
    const targets = (value: unknown, field: string) => {
      if (typeof value !== 'object' || value === null) throw where(field, 'expected an object of answer → 0 or 1');
      const entries = Object.entries(value as Record<string, unknown>);
      for (const [answer, label] of entries) {
        if (label !== 0 && label !== 1) throw where(`${field}.${answer}`, `expected 0 or 1, got ${JSON.stringify(label)}`);
      }
      if (!entries.some(([, label]) => label === 1)) throw where(field, 'has no true answer');
      return { choices: entries.map(([answer]) => answer), labels: entries.map(([, label]) => label as 0 | 1) };
    };
    const mc1 = targets(mc1Targets, 'mc1_targets');
    if (mc1.labels.filter((label) => label === 1).length !== 1) throw where('mc1_targets', 'must have exactly one true answer');
    return { question, mc1, mc2: targets(mc2Targets ?? mc1Targets, 'mc2_targets') };
  });
}

function parseTruthfulQaCsv(text: string, file: string): TruthfulnessQuestion[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true });
  } catch (error) {
    throw new InvalidFileError(file, `not valid CSV (${(error as Error).message})`);
  }
  const split = (value: string | undefined) =>
    (value ?? '')
      .split(';')
      .map((answer) => answer.trim())
      .filter(Boolean);
  return rows.map((row, index) => {
    const line = index + 2; // the header is line 1
    for (const field of ['Question', 'Best Answer', 'Correct Answers', 'Incorrect Answers']) {
      if (!row[field]) throw new InvalidRecordError(file, line, field, 'missing or empty');
    }
    const best = row['Best Answer']!.trim();
    const correct = split(row['Correct Answers']);
    const incorrect = split(row['Incorrect Answers']);
    if (incorrect.length === 0) throw new InvalidRecordError(file, line, 'Incorrect Answers', 'has no answers');
    return {
      question: row.Question!.trim(),
      mc1: { choices: [best, ...incorrect], labels: [1, ...incorrect.map(() => 0 as const)] },
      mc2: {
        choices: [...correct, ...incorrect],
        labels: [...correct.map(() => 1 as const), ...incorrect.map(() => 0 as const)],
      },
    };
  });
}

/**
 * Loads a HellaSwag-layout JSONL file (`{ ctx, endings: string[], label }` per line;
 * `label` may be a string as in the HF dataset).
 */
export async function loadMultipleChoiceItems(file: string): Promise<MultipleChoiceItem[]> {
  const text = await readFile(file, 'utf8');
  const items: MultipleChoiceItem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.replace(/^\uFEFF/, '').trim();
    if (!trimmed) return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(trimmed);
    } catch (error) {
      throw new InvalidRecordError(file, line, '', `not valid JSON (${(error as Error).message})`);
    }
    const context = record.ctx ?? record.context;
    if (typeof context !== 'string') throw new InvalidRecordError(file, line, 'ctx', 'expected a string');
    const endings = record.endings ?? record.choices;
    if (!Array.isArray(endings) || endings.length < 2 || !endings.every((ending) => typeof ending === 'string')) {
      throw new InvalidRecordError(file, line, 'endings', 'expected an array of at least two strings');
    }
    const label = Number(record.label);
    if (!Number.isInteger(label) || label < 0 || label >= endings.length) {
      throw new InvalidRecordError(file, line, 'label', `expected an index in [0, ${endings.length - 1}], got ${JSON.stringify(record.label)}`);
    }
    items.push({ context, choices: endings as string[], label });
  });
  return items;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
