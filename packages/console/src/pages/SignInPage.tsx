import { type FormEvent, useState } from 'react';
import { api, type Session } from '../api';
import { ErrorNotice } from '../components/ErrorNotice';
import { FormActions } from '../components/FormActions';
import { TextField } from '../components/TextField';
import { usePageTitle } from '../usePageTitle';
import { useSubmit } from '../useSubmit';

const MIN_PASSWORD_LENGTH = 12;

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
  const [problems, setProblems] = useState<{ password?: string; confirmation?: string }>({});
  const { busy, error, submit: signIn } = useSubmit();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = needsSetup
      ? {
          ...(password.length < MIN_PASSWORD_LENGTH
            ? { password: `Use at least ${MIN_PASSWORD_LENGTH} characters.` }
            : {}),
          ...(confirmation !== password ? { confirmation: 'The two passwords differ.' } : {}),
        }
      : password === ''
        ? { password: 'Enter the admin password.' }
        : {};
    setProblems(found);
    if (Object.keys(found).length > 0) return;
    await signIn(async () => onSignedIn(needsSetup ? await api.setUpPassword(password) : await api.signIn(password)));
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
