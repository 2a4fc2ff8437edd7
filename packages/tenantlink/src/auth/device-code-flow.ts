import { TenantlinkError } from '../errors.js';
import { graphResource } from './authority.js';
import { type DelegatedClientOptions, delegatedClient, takeRefreshToken } from './delegated-client.js';
import { toTokenError } from './token-errors.js';

/** What a person must be shown to finish signing in on another device. */
export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  /** Microsoft's sentence: "To sign in, use a web browser to open the page … and enter the code …". */
  message: string;
  /** Seconds until the code expires. */
  expiresIn: number;
}

export interface DeviceCodeResult {
  accessToken: string;
  expiresOn: Date;
  /** For the connection's RefreshTokenStore; absent only if `offline_access` was refused. */
  refreshToken: string | undefined;
  account: { username: string; tenantId: string; homeAccountId: string } | undefined;
  scopes: string[];
}

export interface DeviceCodeFlowOptions extends Omit<DelegatedClientOptions, 'credential'> {
  /** Delegated permissions, by name (`User.Read`) or in URI form; MSAL adds openid, profile, offline_access. */
  scopes: string[];
}

/** Signs a user in with the device code flow on a public client app ("Allow public client flows"). */
export class DeviceCodeFlow {
  private request: { cancel?: boolean } | undefined;

  constructor(private readonly options: DeviceCodeFlowOptions) {}

  /** Starts the flow; `onPrompt` is called once with the code to show, and the promise settles when the user is done. */
  async start(onPrompt: (prompt: DeviceCodePrompt) => void | Promise<void>): Promise<DeviceCodeResult> {
    const client = delegatedClient(this.options);
    const pca = client.public!;
    client.network.resetFailures();
    try {
      const request: Parameters<typeof pca.acquireTokenByDeviceCode>[0] = {
        scopes: this.options.scopes,
        deviceCodeCallback: (response) => {
          void onPrompt({
            userCode: response.userCode,
            verificationUri: response.verificationUri,
            message: response.message,
            expiresIn: response.expiresIn,
          });
        },
        cancel: false,
      };
      this.request = request;
      const result = await pca.acquireTokenByDeviceCode(request);
      if (!result?.accessToken || !result.expiresOn)
        throw new TenantlinkError('TOKEN_REQUEST_FAILED', 'The identity platform answered without an access token.');
      return {
        accessToken: result.accessToken,
        expiresOn: result.expiresOn,
        refreshToken: takeRefreshToken(pca, this.options.clientId),
        account: result.account
          ? {
              username: result.account.username,
              tenantId: result.account.tenantId,
              homeAccountId: result.account.homeAccountId,
            }
          : undefined,
        scopes: result.scopes,
      };
    } catch (err) {
      throw deviceCodeError(err, this.options, client.network.failures);
    }
  }

  /** Stops polling; `start()` then rejects. MSAL reads the request's `cancel` flag between polls. */
  cancel(): void {
    if (this.request) this.request.cancel = true;
  }

  /** Graph's resource URI in this cloud, for building URI-form scopes. */
  get graphResource(): string {
    return graphResource(this.options.cloud);
  }
}

function deviceCodeError(
  err: unknown,
  options: DeviceCodeFlowOptions,
  wire: Parameters<typeof toTokenError>[1]['wire'],
): TenantlinkError {
  // MSAL reports the server's polling errors as `post_request_failed` with the OAuth error as the message.
  const { errorCode, errorMessage } = err as { errorCode?: string; errorMessage?: string };
  const code = errorCode === 'post_request_failed' ? errorMessage : errorCode;
  if (code === 'authorization_declined')
    return new TenantlinkError('SIGN_IN_DECLINED', 'The user declined the sign-in on the device login page.');
  if (code === 'expired_token' || code === 'device_code_expired')
    return new TenantlinkError('DEVICE_CODE_EXPIRED', 'The device code expired before the user finished signing in.', {
      diagnosis: {
        meaning: 'Nobody entered the code in time.',
        fix: 'Start the sign-in again and enter the new code within 15 minutes.',
      },
    });
  return toTokenError(err, { tenant: options.tenant, clientId: options.clientId, ...(wire ? { wire } : {}) });
}
