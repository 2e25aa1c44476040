import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfigFile } from '../src/shared/config-file';
import { OptimizationSettingsSchema } from '../src/shared/optimization-schema';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-config-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const Schema = z.object({ output: z.string(), steps: z.number().int().positive(), optimization: OptimizationSettingsSchema }).strict();

describe('loadConfigFile', () => {
  it('reads YAML and JSON alike and lets CLI flags override fields', async () => {
    const yamlFile = write('a.yaml', 'output: runs/a\nsteps: 10\noptimization:\n  optimizer:\n    learningRate: 0.001\n');
    const jsonFile = write('a.json', '{"output":"runs/a","steps":10,"optimization":{"optimizer":{"learningRate":0.001}}}');
    const fromYaml = await loadConfigFile(yamlFile, Schema, { steps: 20, 'optimization.optimizer.beta2': 0.95 });
    expect(fromYaml).toEqual({ output: 'runs/a', steps: 20, optimization: { optimizer: { learningRate: 0.001, beta2: 0.95 } } });
    expect(await loadConfigFile(jsonFile, Schema)).toEqual({ output: 'runs/a', steps: 10, optimization: { optimizer: { learningRate: 0.001 } } });
  });

  it('names the file, the line and the field of an invalid value', async () => {
    const file = write('bad.yaml', 'output: runs/a\nsteps: 10\noptimization:\n  optimizer:\n    learningRate: -1\n');
    await expect(loadConfigFile(file, Schema)).rejects.toThrow(new RegExp(`^${file.replace(/[/.]/g, '\\$&')}:5: optimization\\.optimizer\\.learningRate: `));
  });

  it('reports unknown keys and syntax errors with their lines', async () => {
    const unknown = write('unknown.yaml', 'output: x\nsteps: 1\noptimization:\n  optimizer: { learningRate: 1 }\nstepz: 3\n');
    await expect(loadConfigFile(unknown, Schema)).rejects.toThrow(/unknown\.yaml:5: stepz: unknown setting/);
    const broken = write('broken.json', '{"output": "x",\n "steps": }');
    await expect(loadConfigFile(broken, Schema)).rejects.toThrow(/broken\.json:2: not valid JSON/);
    await expect(loadConfigFile(path.join(dir, 'missing.yaml'), Schema)).rejects.toThrow(/missing\.yaml: cannot read the config file \(ENOENT\)/);
  });
});
