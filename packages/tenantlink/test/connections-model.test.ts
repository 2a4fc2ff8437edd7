import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { looksLikeSecretId, validateConnectionInput } from '../src/connections/model.js';
import type { TenantlinkError } from '../src/errors.js';

const valid = {
  name: 'Contoso',
  tenant: 'contoso.onmicrosoft.com',
  clientId: '11111111-1111-1111-1111-111111111111',
  authMode: 'secret',
};

describe('connection input', () => {
  test('a valid connection gets defaults: global cloud, no features, no settings', () => {
    const input = validateConnectionInput(valid);
    assert.equal(input.cloud, 'global');
    assert.deepEqual(input.features, []);
    assert.deepEqual(input.settings, {});
    assert.equal(
      validateConnectionInput({ ...valid, tenant: 'C10D6C07-B3FE-4008-AF63-60377333740D' }).tenant,
      'C10D6C07-B3FE-4008-AF63-60377333740D',
    );
  });

  test('every problem is named at once, in the portal’s words', () => {
    assert.throws(
      () =>
        validateConnectionInput({
          name: '',
          tenant: 'not a tenant',
          clientId: 'nope',
          authMode: 'password',
          features: ['email'],
        }),
      (err: TenantlinkError) => {
        assert.equal(err.code, 'INVALID_INPUT');
        for (const part of ['name:', 'Directory (tenant) ID', 'Application (client) ID', 'authMode:', 'features.0:']) {
          assert.ok(err.message.includes(part), `${part} in ${err.message}`);
        }
        return true;
      },
    );
  });

  test('custom clouds must be https; features come from the catalogue', () => {
    assert.throws(() =>
      validateConnectionInput({ ...valid, cloud: { authorityHost: 'http://localhost', graphEndpoint: 'https://x' } }),
    );
    const custom = validateConnectionInput({
      ...valid,
      cloud: { authorityHost: 'https://localhost:8443', graphEndpoint: 'https://localhost:8443/v1.0' },
    });
    assert.deepEqual(custom.cloud, {
      authorityHost: 'https://localhost:8443',
      graphEndpoint: 'https://localhost:8443/v1.0',
    });
    assert.deepEqual(validateConnectionInput({ ...valid, features: ['directory', 'mail.send'] }).features, [
      'directory',
      'mail.send',
    ]);
  });

  test('a pasted Secret ID is recognised by its shape', () => {
    assert.equal(looksLikeSecretId('0391aa56-bacc-447a-bd77-2210c628b62b'), true);
    assert.equal(looksLikeSecretId('ji92Q~G-QwRjZgP66AOh5ztLtu4XhX2JgE4jb9N2'), false);
  });
});
