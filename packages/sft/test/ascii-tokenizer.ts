/** One token per ASCII character (id = code, others → '?'); id 0 is EOS and padding. For tests on the sim task. */
export const asciiTokenizer = {
  encode: (text: string) => Array.from(text, (character) => {
    const code = character.codePointAt(0)!;
    return code > 0 && code < 128 ? code : 63;
  }),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (id) => (id > 0 ? String.fromCodePoint(id) : '')).join(''),
  eosTokenId: 0,
};
