import { arithmetic } from './families/arithmetic';
import { changeCase } from './families/change-case';
import { constrainedList } from './families/constrained-list';
import { countItems } from './families/count-items';
import { kthWord } from './families/kth-word';
import { passageQa } from './families/passage-qa';
import { refusal } from './families/refusal';
import { reverseWords } from './families/reverse-words';
import { sortNumbers } from './families/sort-numbers';
import { unanswerable } from './families/unanswerable';
import type { AnyTaskFamily, SimFamilyName } from './task-family';

/** Every task family of the sim world, in a fixed order (generation draws them uniformly). */
export const SIM_FAMILIES: readonly AnyTaskFamily[] = [
  reverseWords,
  sortNumbers,
  changeCase,
  countItems,
  kthWord,
  arithmetic,
  passageQa,
  unanswerable,
  refusal,
  constrainedList,
];

/** Names of every family, in {@link SIM_FAMILIES} order. */
export const SIM_FAMILY_NAMES: readonly SimFamilyName[] = SIM_FAMILIES.map((family) => family.name);

/** The family of a name. */
export function familyByName(name: SimFamilyName): AnyTaskFamily {
  return SIM_FAMILIES.find((family) => family.name === name)!;
}
