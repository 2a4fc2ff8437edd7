import { useState } from 'react';
import { type ApiError, api, asApiError, type DeviceCodeRequest, type DeviceCodeSignIn } from '../api';

export interface DeviceCodeSignInState {
  /** The code to show, once Microsoft gave it. */
  signIn: DeviceCodeSignIn | undefined;
  starting: boolean;
  error: ApiError | undefined;
  start: () => Promise<void>;
  /** Forgets the code (the prompt was closed). */
  clear: () => void;
}

/** Asking the server for a device-code sign-in, and its code or error. */
export function useDeviceCodeSignIn(request: DeviceCodeRequest): DeviceCodeSignInState {
  const [signIn, setSignIn] = useState<DeviceCodeSignIn>();
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<ApiError>();

  async function start() {
    setStarting(true);
    setError(undefined);
    setSignIn(undefined);
    try {
      setSignIn(await api.startDeviceCode(request));
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setStarting(false);
    }
  }

  return { signIn, starting, error, start, clear: () => setSignIn(undefined) };
}
