/** Values shorter than this are not registered: replacing them would mangle ordinary words in every line. */
export const MIN_REGISTERED_SECRET_LENGTH = 8;
const PREFIX_LENGTH = MIN_REGISTERED_SECRET_LENGTH;

/** A secret as it may appear in a log line: as is, JSON-escaped, or percent-encoded in a URL or form body. */
export function encodedForms(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
  try {
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ v: secret }).toString().slice(2));
  } catch {
    // lone surrogates cannot be URI-encoded; the other forms still apply
  }
  return [...forms];
}

/**
 * Finds any of many secrets (of at least MIN_REGISTERED_SECRET_LENGTH characters), in each of their encoded forms, in
 * a text in one pass, indexed by their first characters.
 */
export class SecretMatcher {
  #byPrefix = new Map<string, string[]>();

  constructor(secrets: Iterable<string>) {
    for (const secret of secrets) {
      for (const form of encodedForms(secret)) {
        if (form.length < PREFIX_LENGTH) continue;
        const prefix = form.slice(0, PREFIX_LENGTH);
        const list = this.#byPrefix.get(prefix);
        if (list === undefined) this.#byPrefix.set(prefix, [form]);
        else if (!list.includes(form)) {
          list.push(form);
          list.sort((a, b) => b.length - a.length); // longest first
        }
      }
    }
  }

  replace(text: string, replacement: string): string {
    if (this.#byPrefix.size === 0 || text.length < PREFIX_LENGTH) return text;
    let out = '';
    let copiedTo = 0;
    let i = 0;
    const last = text.length - PREFIX_LENGTH;
    while (i <= last) {
      const candidates = this.#byPrefix.get(text.slice(i, i + PREFIX_LENGTH));
      const match = candidates?.find((secret) => text.startsWith(secret, i));
      if (match === undefined) {
        i += 1;
        continue;
      }
      out += text.slice(copiedTo, i) + replacement;
      i += match.length;
      copiedTo = i;
    }
    return copiedTo === 0 ? text : out + text.slice(copiedTo);
  }
}
