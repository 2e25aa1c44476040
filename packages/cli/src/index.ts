/**
 * @packageDocumentation
 * The `instructkit` command-line tool. `createProgram()` returns the commander
 * program, so the CLI can be embedded or tested without spawning a process.
 */
export { createProgram } from './program';
