/**
 * @packageDocumentation
 * InstructGPT PPO and PPO-ptx for language models.
 */
export const PACKAGE_NAME = '@instructkit/ppo';
