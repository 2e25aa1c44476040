import { createProgram } from '../dist/index.js';
try { await createProgram().parseAsync(['node', 'instructkit', ...process.argv.slice(2)]); } catch (e) { console.error(e.stack); }
