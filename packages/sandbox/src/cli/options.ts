import { InvalidArgumentError } from '@commander-js/extra-typings';

/** Option parsers: each refuses a bad value with the range or shape it expected. */

export function integer(min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function positiveNumber(value: string) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0');
  return n;
}

/** `A,B` (and repeated use of the option) → the names, without blanks; `--x ''` gives none. */
export function commaList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  ];
}

/** A repeatable URL option: every use adds one absolute URL. */
export function urlList(value: string, previous: string[] = []): string[] {
  try {
    new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected an absolute URL such as http://localhost:3000/callback, got '${value}'`);
  }
  return [...previous, value];
}
