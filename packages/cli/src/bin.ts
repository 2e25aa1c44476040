#!/usr/bin/env node
import { createProgram } from './program';

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`instructkit: ${message}\n`);
    process.exitCode = process.exitCode || 1;
  });
