import { useState } from 'react';
import { type ApiError, asApiError } from '../api';

export interface Submission {
  /** True while a write runs. */
  busy: boolean;
  error: ApiError | undefined;
  clearError: () => void;
  /** Runs the write; a failure is kept in `error` to be shown. */
  submit: (write: () => Promise<void>) => Promise<void>;
}

/** A form's or a button's write to the API: busy while it runs, and its error. */
export function useSubmit(): Submission {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();

  async function submit(write: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await write();
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      // After a success the caller usually moves on (the form closes), in the same render as this.
      setBusy(false);
    }
  }

  return { busy, error, clearError: () => setError(undefined), submit };
}
