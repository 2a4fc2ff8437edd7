import { type FormEvent, useState } from 'react';
import { api, type Session } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { FormActions } from '../components/FormActions';
import { TextField } from '../components/TextField';
import { usePageTitle } from '../state/usePageTitle';
import { useSubmit } from '../state/useSubmit';

const MIN_PASSWORD_LENGTH = 12;
const SETUP_TOKEN_PARAM = 'setup-token';

/**
 * The setup token from the link `tenantlink serve` printed (`/#setup-token=…`), taken out of the address bar at once
 * so that it stays out of the history and of anything the page links to.
 */
function takeSetupTokenFromLink(): string {
  const token = new URLSearchParams(window.location.hash.slice(1)).get(SETUP_TOKEN_PARAM) ?? '';
  if (token) window.history.replaceState(null, '', window.location.pathname + window.location.search);
  return token;
}

interface SignInPageProps {
  needsSetup: boolean;
  onSignedIn: (session: Session) => void;
}

/** Sign-in with the admin password, or, on a new server, choosing that password. */
export function SignInPage({ needsSetup, onSignedIn }: SignInPageProps) {
  const title = needsSetup ? 'Choose an admin password' : 'Sign in';
  usePageTitle(title);
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [setupToken, setSetupToken] = useState(takeSetupTokenFromLink);
  const [problems, setProblems] = useState<{ password?: string; confirmation?: string; setupToken?: string }>({});
  const { busy, error, submit: signIn } = useSubmit();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = needsSetup
      ? {
          ...(password.length < MIN_PASSWORD_LENGTH
            ? { password: `Use at least ${MIN_PASSWORD_LENGTH} characters.` }
            : {}),
          ...(confirmation !== password ? { confirmation: 'The two passwords differ.' } : {}),
          ...(setupToken.trim() === ''
            ? { setupToken: 'Enter the setup token tenantlink printed when it started.' }
            : {}),
        }
      : password === ''
        ? { password: 'Enter the admin password.' }
        : {};
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    await signIn(async () =>
      onSignedIn(needsSetup ? await api.setUpPassword(password, setupToken.trim()) : await api.signIn(password)),
    );
  }

  return (
    <div className="sign-in">
      <h1 tabIndex={-1}>{title}</h1>
      <p className="lead">
        {needsSetup
          ? 'This tenantlink server is new. Choose the password that protects its console and API; you sign in with it from now on.'
          : 'Enter the admin password of this tenantlink server.'}
      </p>
      <form className="stack" onSubmit={submit} noValidate>
        {needsSetup && (
          <TextField
            id="setup-token"
            label="Setup token"
            autoComplete="off"
            spellCheck={false}
            value={setupToken}
            onChange={(e) => setSetupToken(e.target.value)}
            hint="Printed by tenantlink serve when it started; the console link it printed fills it in."
            error={problems.setupToken}
            required
          />
        )}
        <TextField
          id="password"
          label={needsSetup ? 'Admin password' : 'Password'}
          type="password"
          autoComplete={needsSetup ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint={needsSetup ? `At least ${MIN_PASSWORD_LENGTH} characters.` : undefined}
          error={problems.password}
          required
        />
        {needsSetup && (
          <TextField
            id="password-confirmation"
            label="Confirm password"
            type="password"
            autoComplete="new-password"
            value={confirmation}
            onChange={(e) => setConfirmation(e.target.value)}
            error={problems.confirmation}
            required
          />
        )}
        {error && <ErrorNotice error={error} />}
        <FormActions submitLabel={needsSetup ? 'Set password and sign in' : 'Sign in'} disabled={busy} />
      </form>
    </div>
  );
}
