import { z } from 'zod';

export const DISPLAY_NAME_MAX = 80;
export const LOGO_URL_MAX = 2048;

/** What is not plain text on one line: control characters (line breaks, tabs, NUL) and text-direction overrides. */
const NOT_PLAIN_TEXT = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** The name customers see on the connect pages ("Acme CRM"): plain text, shown as text, never as HTML. */
export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'give the name customers see, such as Acme CRM')
  .max(DISPLAY_NAME_MAX, `at most ${DISPLAY_NAME_MAX} characters`)
  .refine((name) => !NOT_PLAIN_TEXT.test(name), 'plain text on one line: no line breaks, tabs or control characters');

/**
 * The vendor's logo: an absolute https URL without credentials. It only ever goes into an `<img src>` of a page whose
 * Content-Security-Policy allows `img-src https:`, so tenantlink never fetches it.
 */
export const logoUrlSchema = z
  .string()
  .trim()
  .max(LOGO_URL_MAX, `at most ${LOGO_URL_MAX} characters`)
  .superRefine((value, ctx) => {
    const problem = logoUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** The logo URL as browsers read it (percent-encoded, host in lower case), for storing. */
export const storedLogoUrlSchema = logoUrlSchema.transform((value) => new URL(value).href);

function logoUrlProblem(value: string): string | undefined {
  if (!URL.canParse(value)) return 'an absolute https:// URL, such as https://cdn.example.com/acme/logo.png';
  const url = new URL(value);
  if (url.protocol !== 'https:')
    return `must be https:// (the connect pages load images over https only), not ${url.protocol}`;
  if (url.username || url.password) return 'must not carry a user name or password: every customer would see them';
  if (url.href.length > LOGO_URL_MAX) return `at most ${LOGO_URL_MAX} characters once percent-encoded`;
  return undefined;
}
