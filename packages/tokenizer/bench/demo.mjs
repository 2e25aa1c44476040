// A round trip through the gpt2 preset and through a tokenizer trained on the spot.
// Run after `pnpm build`: node bench/demo.mjs
import { loadTokenizer, trainTokenizer } from '../dist/index.js';
import { collectCorpus } from './corpus.mjs';

const sentence = "InstructKit's tokenizer: byte-level BPE, 日本語 too 🎉";

function show(name, tokenizer) {
  const ids = tokenizer.encode(sentence);
  const pieces = ids.map((id) => tokenizer.idToToken(id));
  const back = tokenizer.decode(ids);
  console.log(`\n${name} (vocabulary ${tokenizer.vocabSize})`);
  console.log(`  text:    ${JSON.stringify(sentence)}`);
  console.log(`  ids:     [${ids.join(', ')}]  (${ids.length} tokens)`);
  console.log(`  tokens:  ${pieces.map((piece) => JSON.stringify(piece)).join(' ')}`);
  console.log(`  decoded: ${JSON.stringify(back)}  round trip ${back === sentence ? 'exact' : 'BROKEN'}`);
  if (back !== sentence) process.exitCode = 1;
}

show('gpt2 preset', await loadTokenizer('gpt2'));

const texts = collectCorpus({ totalBytes: 300_000 }).texts.map((entry) => entry.text);
const started = performance.now();
const trained = await trainTokenizer({ texts, vocabSize: 2048 });
console.log(`\nTrained ${trained.spec.merges.length} merges on ${texts.length} README/licence files (0.3 MB) in ${((performance.now() - started) / 1000).toFixed(2)} s`);
show('trained tokenizer', trained);

const chat = trained.renderChat(
  [
    { role: 'user', content: 'Name a colour.' },
    { role: 'assistant', content: 'Teal.' },
  ],
  { addGenerationPrompt: false },
);
console.log(`\nChat template:\n${chat.text.replace(/^/gm, '  | ')}`);
console.log(`  assistant mask: ${Array.from(chat.assistantMask).join('')}  (1 = tokens the model learns to say)`);
