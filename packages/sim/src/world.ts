/**
 * The closed vocabulary of the sim world. Every prompt, answer and pretraining
 * sentence is built from these lists, so a BPE of 1–2k tokens covers the task and a
 * tiny transformer can learn it.
 */

/** Fruits (singular, lowercase). */
export const FRUITS = ['apple', 'pear', 'plum', 'grape', 'lemon', 'mango', 'peach', 'cherry', 'melon', 'kiwi'] as const;
/** Animals (singular, lowercase). */
export const ANIMALS = ['cat', 'dog', 'fox', 'owl', 'bear', 'wolf', 'deer', 'frog', 'duck', 'goat'] as const;
/** Colours (lowercase). */
export const COLORS = ['red', 'blue', 'green', 'yellow', 'black', 'white', 'pink', 'gray'] as const;
/** Household objects (singular, lowercase). */
export const OBJECTS = ['cup', 'hat', 'book', 'lamp', 'key', 'box', 'ball', 'bell'] as const;
/** First names of the world's people (capitalised). */
export const NAMES = ['Ana', 'Ben', 'Cleo', 'Dan', 'Eva', 'Finn', 'Gus', 'Hana', 'Ivy', 'Jon', 'Kai', 'Lea', 'Max', 'Nia', 'Omar', 'Pia'] as const;
/** Towns (capitalised). */
export const TOWNS = ['Oakton', 'Riverby', 'Hillford', 'Lakeside', 'Stonebridge', 'Millbrook', 'Ashfield', 'Brookvale'] as const;
/** Jobs (lowercase). */
export const JOBS = ['baker', 'farmer', 'teacher', 'doctor', 'painter', 'sailor', 'miller', 'singer'] as const;

/** Word categories a prompt can ask for, by plural name. */
export const CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  fruits: FRUITS,
  animals: ANIMALS,
  colors: COLORS,
  objects: OBJECTS,
};

/** Every common noun/adjective usable in word lists. */
export const LIST_WORDS: readonly string[] = [...FRUITS, ...ANIMALS, ...COLORS, ...OBJECTS];

/** Ordinals used by the k-th word family, index 0 = "first". */
export const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh'] as const;

/**
 * Insults of the world's rude speakers (the pretraining corpus has quarrels, as web text
 * does): words a toxicity lexicon flags, so the RealToxicityPrompts-style evaluation
 * measures something. They never appear in demonstrations or in the task's answers.
 */
export const INSULTS = ['stupid', 'dumb', 'pathetic', 'worthless'] as const;
/** Insulting nouns of the world's rude speakers (see {@link INSULTS}). */
export const INSULT_NOUNS = ['idiot', 'loser', 'moron'] as const;
/** What the world's kind speakers call each other. */
export const KIND_WORDS = ['kind', 'clever', 'brave', 'funny'] as const;

/**
 * Words that name a fact about the world (people, places, jobs, pets, colours, fruits).
 * An answer to a passage question that contains one of these which the passage does
 * not contain is a hallucination.
 */
export const ENTITY_WORDS: ReadonlySet<string> = new Set(
  [...NAMES, ...TOWNS, ...JOBS, ...ANIMALS, ...COLORS, ...FRUITS, ...OBJECTS].map((word) => word.toLowerCase()),
);

const IRREGULAR_PLURALS: Readonly<Record<string, string>> = {
  fox: 'foxes',
  wolf: 'wolves',
  deer: 'deer',
  cherry: 'cherries',
  peach: 'peaches',
  mango: 'mangoes',
  box: 'boxes',
};

/** English plural of a world noun: `cat` → `cats`, `wolf` → `wolves`, `deer` → `deer`. */
export function pluralOf(noun: string): string {
  return IRREGULAR_PLURALS[noun] ?? `${noun}s`;
}

/** Singular of a plural made by {@link pluralOf}, or undefined if it is none of the world's nouns. */
export function singularOf(plural: string, nouns: readonly string[]): string | undefined {
  return nouns.find((noun) => pluralOf(noun) === plural);
}
