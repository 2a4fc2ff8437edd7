import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { ClientCredential } from '../../auth/client-credential-provider.js';
import { readSecretFile, readSecretStdin, UsageError } from '../io.js';

/** Why secrets come from a file or standard input: said with every refusal, so the rule is never a surprise. */
const NOT_ON_THE_COMMAND_LINE =
  '(Secrets are never taken as command-line values, which end up in shell history and process lists.)';

export interface ClientSecretOptions {
  clientSecretFile?: string;
  clientSecretStdin?: true;
}

export interface CredentialOptions extends ClientSecretOptions {
  certificate?: string;
  certificateKey?: string;
}

/** `--client-secret-file F` and `--client-secret-stdin`; `what` names the secret in the help ("the new client secret"). */
export function addClientSecretOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
  what = 'the client secret',
) {
  return command
    .option('--client-secret-file <file>', `read ${what} Value from this file`)
    .option('--client-secret-stdin', `read ${what} Value from standard input`);
}

/** The client secret options and `--certificate F [--certificate-key F]`: the credentials of an app registration. */
export function addCredentialOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
  what = 'the client secret',
) {
  return addClientSecretOptions(command, what)
    .option('--certificate <file>', 'PEM certificate, with its private key in the same file or in --certificate-key')
    .option('--certificate-key <file>', 'PEM private key of the certificate');
}

/**
 * The client secret from its file or standard input. `required`: exactly one of the two options; otherwise at most
 * one, and undefined when neither was given.
 */
export function readClientSecret(
  opts: ClientSecretOptions,
  stdin: NodeJS.ReadableStream,
  how: { required: true },
): Promise<string>;
export function readClientSecret(
  opts: ClientSecretOptions,
  stdin: NodeJS.ReadableStream,
  how: { required: false },
): Promise<string | undefined>;
export async function readClientSecret(
  opts: ClientSecretOptions,
  stdin: NodeJS.ReadableStream,
  { required }: { required: boolean },
): Promise<string | undefined> {
  const given = [opts.clientSecretFile, opts.clientSecretStdin].filter(Boolean).length;
  if (given > 1 || (required && given === 0))
    throw new UsageError(
      `Give the client secret with ${required ? 'exactly' : 'only'} one of --client-secret-file F or ` +
        `--client-secret-stdin. ${NOT_ON_THE_COMMAND_LINE}`,
    );
  return given === 0 ? undefined : readGivenSecret(opts, stdin);
}

/** The one credential given: a client secret (file or standard input) or a certificate. */
export async function readCredential(opts: CredentialOptions, stdin: NodeJS.ReadableStream): Promise<ClientCredential> {
  const given = [opts.clientSecretFile, opts.clientSecretStdin, opts.certificate].filter(Boolean).length;
  if (given !== 1)
    throw new UsageError(
      `Give exactly one credential: --client-secret-file F, --client-secret-stdin or --certificate F. ${NOT_ON_THE_COMMAND_LINE}`,
    );
  if (opts.certificateKey && !opts.certificate) throw new UsageError('--certificate-key needs --certificate.');
  if (!opts.certificate) return { clientSecret: await readGivenSecret(opts, stdin) };
  return {
    certificate: {
      certificatePem: readSecretFile(opts.certificate),
      ...(opts.certificateKey ? { privateKeyPem: readSecretFile(opts.certificateKey) } : {}),
    },
  };
}

/** The secret of the one client secret option given. */
async function readGivenSecret(opts: ClientSecretOptions, stdin: NodeJS.ReadableStream): Promise<string> {
  return opts.clientSecretFile ? readSecretFile(opts.clientSecretFile) : readSecretStdin(stdin);
}
