import { Command } from 'commander';
import { registerPpoCommand } from './commands/ppo';
import { registerDataCommand } from './commands/data';
import { registerExportOnnxCommand } from './commands/export-onnx';
import { registerSimCommand } from './commands/sim';
import { registerPretrainCommand } from './commands/pretrain';
import { registerSftCommand } from './commands/sft';
import { registerRmCommand } from './commands/rm';
import { registerPipelineCommand } from './commands/pipeline';
import { registerEvalCommand } from './commands/eval';
import { registerGenerateCommand } from './commands/generate';
import { registerTokenizerCommand } from './commands/tokenizer';
import { registerLogprobsCommand } from './commands/logprobs';
import { registerBenchCommand } from './commands/bench';

/**
 * Builds the `instructkit` program. Each command lives in `commands/<name>.ts` and
 * registers itself here, so stages can be added without touching one another.
 */
export function createProgram(): Command {
  const program = new Command('instructkit')
    .description('InstructGPT-style RLHF: data, tokenizer, pretraining, SFT, reward model, PPO, evaluation.')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  // Commands register below, one line each.
  registerPpoCommand(program);
  registerDataCommand(program);
  registerExportOnnxCommand(program);
  registerSimCommand(program);
  registerPretrainCommand(program);
  registerSftCommand(program);
  registerRmCommand(program);
  registerPipelineCommand(program);
  registerEvalCommand(program);
  registerGenerateCommand(program);
  registerTokenizerCommand(program);
  registerLogprobsCommand(program);
  registerBenchCommand(program);
  return program;
}
