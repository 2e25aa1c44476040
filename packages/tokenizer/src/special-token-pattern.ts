/**
 * A global regex matching any of `tokens` literally, longest first so that a token containing
 * another wins at the same position (HF's leftmost-longest matching of added tokens).
 * Escapes only the syntax characters: in `u` mode an escaped `-` or letter is an error.
 */
export function specialTokenPattern(tokens: readonly string[]): RegExp {
  const sorted = [...tokens].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map((token) => token.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|'), 'gu');
}
