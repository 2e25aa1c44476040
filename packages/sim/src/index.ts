/**
 * @packageDocumentation
 * The embedded instruction-following task: prompt families, gold scorers, simulated labelers, pretraining corpus.
 */
export const PACKAGE_NAME = '@instructkit/sim';
