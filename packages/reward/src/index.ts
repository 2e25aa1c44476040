/**
 * @packageDocumentation
 * InstructGPT reward models: K-way ranking loss over all C(K,2) pairs, scoring and evaluation.
 */
export const PACKAGE_NAME = '@instructkit/reward';
