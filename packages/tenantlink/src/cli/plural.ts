const english = new Intl.PluralRules('en');

/**
 * `n` and its noun as `n` wants it: `count(1, 'page')` is "1 page", `count(0, 'error')` "0 errors", and `plural` for
 * nouns that are not just noun + s: `count(3, 'feed entry', 'feed entries')`.
 */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${english.select(n) === 'one' ? singular : plural}`;
}
