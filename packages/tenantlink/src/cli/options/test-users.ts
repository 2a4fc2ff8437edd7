import type { Command, OptionValues } from '@commander-js/extra-typings';

export interface TestUserOptions {
  testUser?: string;
  serviceAccount?: string;
}

/** `--test-user UPN` and `--service-account UPN`: the users the doctor's probes read, and the files feature works in. */
export function addTestUserOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  command: Command<A, O, G>,
) {
  return command
    .option('--test-user <upn>', 'a licensed user whose mailbox, calendar and presence the doctor reads')
    .option(
      '--service-account <upn>',
      'the user whose OneDrive the files feature works in (the doctor writes a test file)',
    );
}

/** The options above as they are stored in a connection's settings, or passed to the doctor. */
export function testUsersFrom(opts: TestUserOptions): { testUser?: string; serviceAccount?: string } {
  return {
    ...(opts.testUser ? { testUser: opts.testUser } : {}),
    ...(opts.serviceAccount ? { serviceAccount: opts.serviceAccount } : {}),
  };
}
