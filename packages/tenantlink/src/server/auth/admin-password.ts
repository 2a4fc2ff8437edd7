import { TenantlinkError } from '../../errors.js';
import type { ConsoleSessionsRepository } from '../../store/console-sessions-repository.js';
import type { ServerSettingsRepository } from '../../store/server-settings-repository.js';
import { hashPassword, verifyPassword } from './password-hash.js';

/** The server setting that holds the scrypt hash. */
export const ADMIN_PASSWORD_SETTING = 'admin_password';
const KEY = ADMIN_PASSWORD_SETTING;
export const MIN_PASSWORD_LENGTH = 12;

export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new TenantlinkError(
      'INVALID_INPUT',
      `The admin password must have at least ${MIN_PASSWORD_LENGTH} characters.`,
    );
}

/** The console's one admin password, stored as a scrypt hash. */
export class AdminPassword {
  constructor(
    private readonly settings: ServerSettingsRepository,
    private readonly sessions: ConsoleSessionsRepository,
  ) {}

  async isSet(): Promise<boolean> {
    return (await this.settings.get(KEY)) !== undefined;
  }

  /**
   * Applies `TENANTLINK_ADMIN_PASSWORD` at start: stored when none is, replaced (signing everybody out) when it
   * differs from the stored one.
   */
  async applyFromEnvironment(password: string): Promise<void> {
    checkPasswordStrength(password);
    const stored = await this.settings.get(KEY);
    if (stored && (await verifyPassword(password, stored))) return;
    await this.settings.set(KEY, await hashPassword(password));
    if (stored) await this.sessions.deleteAll();
  }

  /** First-start setup: only while no password is set (first writer wins). */
  async setUp(password: string): Promise<void> {
    checkPasswordStrength(password);
    if (!(await this.settings.setIfAbsent(KEY, await hashPassword(password))))
      throw new TenantlinkError('ALREADY_SET_UP', 'The admin password is already set; sign in with it.', {
        status: 409,
      });
  }

  async verify(password: string): Promise<boolean> {
    const stored = await this.settings.get(KEY);
    return stored !== undefined && (await verifyPassword(password, stored));
  }
}
