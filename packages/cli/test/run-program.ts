import { CommanderError, type Command } from 'commander';

/** What an in-process run of a commander program wrote, and how it ended. */
export interface ProgramRun {
  /** Exit code: 0, or the code of commander's exit (help is 0, a usage error 1). */
  readonly exitCode: number;
  /** What the program wrote through commander's writeOut. */
  readonly stdout: string;
  /** What it wrote through commander's writeErr. */
  readonly stderr: string;
  /** Both, interleaved in order. */
  readonly output: string;
  /** Commander's exit, when the run ended in one (help shown, unknown option, …). */
  readonly commanderError?: CommanderError;
}

/**
 * Runs a commander program in-process (`from: 'user'` arguments), capturing its output:
 * commander's exits are returned, not thrown; any other error propagates.
 */
export async function runProgram(program: Command, args: readonly string[]): Promise<ProgramRun> {
  let stdout = '';
  let stderr = '';
  let output = '';
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({
      writeOut: (text) => void ((stdout += text), (output += text)),
      writeErr: (text) => void ((stderr += text), (output += text)),
    });
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return { exitCode: 0, stdout, stderr, output };
  } catch (error) {
    if (error instanceof CommanderError) return { exitCode: error.exitCode, stdout, stderr, output, commanderError: error };
    throw error;
  }
}
