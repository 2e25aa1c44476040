/**
 * @packageDocumentation
 * InstructGPT evaluations: win rates, Likert, truthfulness, toxicity, hallucination, alignment tax, HTML report.
 */
export const PACKAGE_NAME = '@instructkit/evals';
