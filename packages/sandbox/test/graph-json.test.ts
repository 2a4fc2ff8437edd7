import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  GROUP_PROPERTIES,
  groupJson,
  USER_DEFAULT_SELECT,
  USER_PROPERTIES,
  userJson,
} from '../src/graph/directory/json.js';
import { generateOrganisation } from '../src/tenant/generator.js';

describe('directory JSON shapes', () => {
  const org = generateOrganisation({ seed: 2, index: 0, users: 10, createdDateTime: '2025-01-01T00:00:00.000Z' });

  test('the selectable property lists are exactly what the serialisers produce, plus navigation properties', () => {
    const user = userJson([...org.users.values()][0]!);
    assert.deepEqual(
      [...Object.keys(user), 'manager', 'memberOf', 'signInActivity'].sort(),
      [...USER_PROPERTIES].sort(),
    );
    const group = groupJson([...org.groups.values()][0]!);
    assert.deepEqual([...Object.keys(group), 'members', 'owners'].sort(), [...GROUP_PROPERTIES].sort());
  });

  test("users' default property set is Graph's", () => {
    assert.deepEqual([...USER_DEFAULT_SELECT].sort(), [
      'businessPhones',
      'displayName',
      'givenName',
      'id',
      'jobTitle',
      'mail',
      'mobilePhone',
      'officeLocation',
      'preferredLanguage',
      'surname',
      'userPrincipalName',
    ]);
  });
});
