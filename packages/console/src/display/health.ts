import type { Connection, Integration, Webhook } from '../api';
import { storedCredential } from './credentials';
import { daysUntil, formatDay, plural } from './format';

export type Tone = 'ok' | 'warning' | 'error' | 'neutral';

/** How a thing stands, as one pill: its tone, a word or two, and what else is worth a glance. */
export interface Health {
  tone: Tone;
  label: string;
  /** The other problems or the counts behind the label, in a few words; empty when there is nothing to add. */
  detail: string;
}

const EXPIRY_WARNING_DAYS = 30;
const RANK: Record<Tone, number> = { error: 3, warning: 2, neutral: 1, ok: 0 };

/** A secret's or certificate's expiry as a problem, or undefined while it is more than 30 days away. */
export function expiryProblem(what: string, expiresAt: string, now = Date.now()): Health | undefined {
  const days = daysUntil(expiresAt, now);
  if (days < 0) return { tone: 'error', label: `${what} expired`, detail: `on ${formatDay(expiresAt)}` };
  if (days <= EXPIRY_WARNING_DAYS)
    return {
      tone: 'warning',
      label: `${what} expires ${days === 0 ? 'today' : `in ${plural(days, 'day')}`}`,
      detail: `on ${formatDay(expiresAt)}`,
    };
  return undefined;
}

/** The worst of the problems as the pill, the others as its detail; `healthy` when there are none. */
function worst(problems: Health[], healthy: Health): Health {
  const sorted = [...problems].sort((a, b) => RANK[b.tone] - RANK[a.tone]);
  const [first, ...others] = sorted;
  if (!first) return healthy;
  const detail = [first.detail, ...others.map((p) => p.label.toLowerCase())].filter(Boolean).join(' · ');
  return { ...first, detail };
}

/** A connection at a glance: its credential, its last test and its secret's expiry, worst first. */
export function connectionHealth(connection: Connection, now = Date.now()): Health {
  const { lastTest, secretExpiresAt } = connection.health;
  const problems: Health[] = [];
  if (!storedCredential(connection))
    problems.push({ tone: 'error', label: 'No credential', detail: 'nothing stored to sign in with' });
  if (!lastTest) problems.push({ tone: 'neutral', label: 'Not tested', detail: 'run the test to check the setup' });
  else if (!lastTest.ok || lastTest.errors > 0)
    problems.push({
      tone: 'error',
      label: lastTest.token === 'failing' ? 'No token' : 'Test failed',
      detail: plural(lastTest.errors, 'error'),
    });
  else if (lastTest.warnings > 0)
    problems.push({ tone: 'warning', label: 'Passed with warnings', detail: plural(lastTest.warnings, 'warning') });
  const expiry =
    secretExpiresAt &&
    expiryProblem(connection.authMode === 'certificate' ? 'Certificate' : 'Secret', secretExpiresAt, now);
  if (expiry) problems.push(expiry);
  return worst(problems, { tone: 'ok', label: 'Healthy', detail: 'test passed' });
}

/** An integration at a glance: ready, or its client secret's expiry. */
export function integrationHealth(integration: Integration, now = Date.now()): Health {
  const expiry = integration.secretExpiresAt && expiryProblem('Secret', integration.secretExpiresAt, now);
  const expires = integration.secretExpiresAt ? `secret expires ${formatDay(integration.secretExpiresAt)}` : '';
  return expiry || { tone: 'ok', label: 'Ready', detail: expires };
}

/** A webhook endpoint at a glance, from the status the server gives it (never "on" while deliveries fail). */
export function webhookHealth(webhook: Webhook): Health {
  const behind = webhook.cursors.filter((c) => c.lastSeq < c.feedLastSeq).length;
  switch (webhook.status) {
    case 'disabled':
      return { tone: 'neutral', label: 'Disabled', detail: 'receives nothing until enabled' };
    case 'failing':
      return {
        tone: 'error',
        label: 'Failing',
        detail: 'attempts ran out; retried on the next change or a replay',
      };
    case 'retrying':
      return { tone: 'warning', label: 'Retrying', detail: 'the last delivery failed' };
    case 'active':
      return {
        tone: 'ok',
        label: 'Delivering',
        detail:
          webhook.cursors.length === 0
            ? 'nothing delivered yet'
            : behind > 0
              ? `${plural(behind, 'connection')} catching up`
              : 'up to date',
      };
  }
}
