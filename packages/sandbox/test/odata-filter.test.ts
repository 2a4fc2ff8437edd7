import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  APPLICATION_FILTER,
  evaluateFilter,
  type FilterCapabilities,
  type FilterNode,
  GROUP_FILTER,
  ODataFilterError,
  parseFilter,
  SERVICE_PRINCIPAL_FILTER,
  USER_FILTER,
  validateFilter,
} from '../src/graph/odata/filter/index.js';

const SKU = '6fd2c87f-b296-42f0-b197-1e91e994b900';

function rejects(run: () => unknown, code: string, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ODataFilterError, `expected ODataFilterError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    return true;
  });
}

function check(text: string, caps: FilterCapabilities = USER_FILTER, advanced = false): FilterNode {
  return validateFilter(parseFilter(text), caps, advanced);
}

function matches(text: string, item: Record<string, unknown>, caps: FilterCapabilities = USER_FILTER): boolean {
  return evaluateFilter(check(text, caps, true), item);
}

const unsupported = (property: string, resource = 'User') =>
  `Unsupported or invalid query filter clause specified for property '${property}' of resource '${resource}'.`;

describe('parseFilter', () => {
  test('and binds tighter than or; parentheses override', () => {
    assert.deepEqual(parseFilter("city eq 'a' or city eq 'b' and country eq 'c'"), {
      kind: 'or',
      left: { kind: 'compare', op: 'eq', property: 'city', value: 'a' },
      right: {
        kind: 'and',
        left: { kind: 'compare', op: 'eq', property: 'city', value: 'b' },
        right: { kind: 'compare', op: 'eq', property: 'country', value: 'c' },
      },
    });
    const grouped = parseFilter("(city eq 'a' or city eq 'b') and country eq 'c'");
    assert.equal(grouped.kind, 'and');
    assert.equal(grouped.kind === 'and' && grouped.left.kind, 'or');
  });

  test('and/or chains associate to the left', () => {
    const node = parseFilter('id eq 1 or id eq 2 or id eq 3');
    assert.ok(node.kind === 'or' && node.left.kind === 'or');
    assert.deepEqual(node.right, { kind: 'compare', op: 'eq', property: 'id', value: 3 });
  });

  test('not takes the comparison or function after it; keywords and function names ignore case', () => {
    assert.deepEqual(parseFilter("NOT startsWith(displayName, 'Conf')"), {
      kind: 'not',
      operand: { kind: 'function', name: 'startswith', property: 'displayName', value: 'Conf' },
    });
    assert.deepEqual(parseFilter("not displayName EQ 'x' AND mail Ne null"), {
      kind: 'and',
      left: { kind: 'not', operand: { kind: 'compare', op: 'eq', property: 'displayName', value: 'x' } },
      right: { kind: 'compare', op: 'ne', property: 'mail', value: null },
    });
    assert.deepEqual(parseFilter("ENDSWITH(mail,'@contoso.com')"), {
      kind: 'function',
      name: 'endswith',
      property: 'mail',
      value: '@contoso.com',
    });
  });

  test("string literals unescape '' and keep spaces and operators inside the quotes", () => {
    const value = (text: string) => {
      const node = parseFilter(text);
      return node.kind === 'compare' ? node.value : undefined;
    };
    assert.equal(value("displayName eq 'O''Brien'"), "O'Brien");
    assert.equal(value("displayName eq ''''"), "'");
    assert.equal(value("displayName eq ''"), '');
    assert.equal(value("displayName eq 'a and b or (c)'"), 'a and b or (c)');
  });

  test('literals: booleans, null, numbers, unquoted GUIDs and datetimes', () => {
    const value = (literal: string) => {
      const node = parseFilter(`x eq ${literal}`);
      return node.kind === 'compare' ? node.value : undefined;
    };
    assert.equal(value('true'), true);
    assert.equal(value('FALSE'), false);
    assert.equal(value('null'), null);
    assert.equal(value('42'), 42);
    assert.equal(value('-1.5'), -1.5);
    assert.equal(value(SKU), SKU);
    assert.equal(value('fd249f8f-dd6a-48bd-981b-b2478377c7e3'), 'fd249f8f-dd6a-48bd-981b-b2478377c7e3');
    assert.equal(value('12345678-1234-1234-1234-123456789012'), '12345678-1234-1234-1234-123456789012');
    assert.equal(value('2024-01-01T00:00:00Z'), '2024-01-01T00:00:00Z');
    assert.equal(value('2024-01-01T08:30:00.123+02:00'), '2024-01-01T08:30:00.123+02:00');
    assert.equal(value('2021-11-01'), '2021-11-01');
  });

  test('in lists', () => {
    assert.deepEqual(parseFilter("userType in ('Member', 'Guest')"), {
      kind: 'in',
      property: 'userType',
      values: ['Member', 'Guest'],
    });
  });

  test('lambdas: the bare variable is property "", a sub-path drops the variable', () => {
    assert.deepEqual(parseFilter(`assignedLicenses/any(x:x/skuId eq ${SKU})`), {
      kind: 'any',
      property: 'assignedLicenses',
      variable: 'x',
      predicate: { kind: 'compare', op: 'eq', property: 'skuId', value: SKU },
    });
    assert.deepEqual(parseFilter("groupTypes/any(c:c eq 'Unified')"), {
      kind: 'any',
      property: 'groupTypes',
      variable: 'c',
      predicate: { kind: 'compare', op: 'eq', property: '', value: 'Unified' },
    });
    assert.deepEqual(parseFilter("proxyAddresses/any (p:endsWith(p, 'OnMicrosoft.com'))"), {
      kind: 'any',
      property: 'proxyAddresses',
      variable: 'p',
      predicate: { kind: 'function', name: 'endswith', property: '', value: 'OnMicrosoft.com' },
    });
    const identities = parseFilter("identities/any(c:c/issuerAssignedId eq 'j@x.com' and c/issuer eq 'b2c')");
    assert.ok(identities.kind === 'any' && identities.predicate.kind === 'and');
  });

  test('a lambda ends the variable scope', () => {
    const node = parseFilter("groupTypes/any(c:c eq 'Unified') and displayName eq 'x'");
    assert.ok(node.kind === 'and');
    assert.deepEqual(node.right, { kind: 'compare', op: 'eq', property: 'displayName', value: 'x' });
  });

  test('$count on a collection', () => {
    assert.deepEqual(parseFilter('assignedLicenses/$count eq 0'), {
      kind: 'count',
      property: 'assignedLicenses',
      op: 'eq',
      value: 0,
    });
  });

  test('syntax errors carry the OData parser text and position', () => {
    const text = "(displayName eq 'a'";
    rejects(
      () => parseFilter(text),
      'BadRequest',
      `Invalid filter clause: ')' or operator expected at position 19 in '${text}'.`,
    );
    rejects(
      () => parseFilter("displayName eq 'a')"),
      'BadRequest',
      "Invalid filter clause: Syntax error at position 19 in 'displayName eq 'a')'.",
    );
    rejects(
      () => parseFilter('iswhatever 12'),
      'BadRequest',
      "Invalid filter clause: Syntax error at position 13 in 'iswhatever 12'.",
    );
    rejects(
      () => parseFilter("displayName eq 'a' foo"),
      'BadRequest',
      "Invalid filter clause: Syntax error at position 22 in 'displayName eq 'a' foo'.",
    );
    rejects(
      () => parseFilter("displayName eq 'abc"),
      'BadRequest',
      "Invalid filter clause: There is an unterminated string literal at position 15 in 'displayName eq 'abc'.",
    );
    rejects(
      () => parseFilter('startswith(displayName,%27Kamolika%27)'),
      'BadRequest',
      "Invalid filter clause: Syntax error: character '%' is not valid at position 23 in 'startswith(displayName,%27Kamolika%27)'.",
    );
    rejects(
      () => parseFilter('displayName eq'),
      'BadRequest',
      "Invalid filter clause: Expression expected at position 14 in 'displayName eq'.",
    );
    rejects(() => parseFilter(''), 'BadRequest', "Invalid filter clause: Expression expected at position 0 in ''.");
    rejects(
      () => parseFilter("displayName eq 'a' and"),
      'BadRequest',
      "Invalid filter clause: Expression expected at position 22 in 'displayName eq 'a' and'.",
    );
    rejects(
      () => parseFilter("userType in ('a' 'b')"),
      'BadRequest',
      "Invalid filter clause: ')' or ',' expected at position 17 in 'userType in ('a' 'b')'.",
    );
  });

  test('unknown functions and wrong argument types are refused', () => {
    rejects(
      () => parseFilter("contains(displayName,'a')"),
      'BadRequest',
      "Invalid filter clause: An unknown function with name 'contains' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.",
    );
    rejects(
      () => parseFilter('startswith(displayName, 5)'),
      'BadRequest',
      "Invalid filter clause: No function signature for the function with name 'startswith' matches the specified arguments. The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true).",
    );
  });

  test('lambdas: only the range variable inside, no all(), no nesting', () => {
    assert.throws(() => parseFilter("groupTypes/any(c:displayName eq 'x')"), ODataFilterError);
    rejects(() => parseFilter("groupTypes/all(c:c eq 'Unified')"), 'Request_UnsupportedQuery', 'Unsupported Query.');
    rejects(
      () => parseFilter('assignedPlans/any(p:p/x/any(q:q eq 1))'),
      'Request_UnsupportedQuery',
      'Unsupported Query.',
    );
  });
});

describe('validateFilter', () => {
  test('property names are matched case-insensitively and returned in the table casing', () => {
    assert.deepEqual(check("DISPLAYNAME eq 'x'"), { kind: 'compare', op: 'eq', property: 'displayName', value: 'x' });
    assert.deepEqual(check(`ASSIGNEDLICENSES/any(l:l/SKUID eq ${SKU})`), {
      kind: 'any',
      property: 'assignedLicenses',
      variable: 'l',
      predicate: { kind: 'compare', op: 'eq', property: 'skuId', value: SKU },
    });
    const node = check("startswith(USERPRINCIPALNAME,'ad') or mailnickname in ('a')");
    assert.ok(node.kind === 'or' && node.left.kind === 'function' && node.right.kind === 'in');
    assert.equal(node.left.property, 'userPrincipalName');
    assert.equal(node.right.property, 'mailNickname');
  });

  test('default queries that Graph runs without advanced parameters pass', () => {
    for (const text of [
      "userPrincipalName eq 'a@b.com'",
      "startswith(displayName,'Al') and accountEnabled eq true",
      "userType in ('Member','Guest')",
      'createdDateTime ge 2024-01-01T00:00:00Z and createdDateTime le 2024-12-31T00:00:00Z',
      `assignedLicenses/any(x:x/skuId eq ${SKU})`,
      "proxyAddresses/any(p:startswith(p,'smtp:'))",
      "otherMails/any(m:m eq 'a@b.com')",
      "businessPhones/any(p:p eq '+1 555')",
    ]) {
      assert.doesNotThrow(() => check(text), text);
    }
    assert.doesNotThrow(() => check("groupTypes/any(c:c eq 'Unified') and mailEnabled eq false", GROUP_FILTER));
    assert.doesNotThrow(() => check(`appOwnerOrganizationId eq ${SKU}`, SERVICE_PRINCIPAL_FILTER));
    assert.doesNotThrow(() => check("servicePrincipalNames/any(n:n eq 'api://x')", SERVICE_PRINCIPAL_FILTER));
    assert.doesNotThrow(() => check("signInAudience eq 'AzureADMyOrg'", APPLICATION_FILTER));
  });

  test('a property Graph cannot filter, or an operator it does not support on it, is refused even in advanced queries', () => {
    rejects(() => check("aboutMe eq 'x'", USER_FILTER, true), 'Request_UnsupportedQuery', unsupported('aboutMe'));
    rejects(
      () => check('createdDateTime gt 2024-01-01T00:00:00Z', USER_FILTER, true),
      'Request_UnsupportedQuery',
      unsupported('createdDateTime'),
    );
    rejects(() => check("startswith(id,'a')", USER_FILTER, true), 'Request_UnsupportedQuery', unsupported('id'));
    rejects(
      () => check("endswith(displayName,'a')", USER_FILTER, true),
      'Request_UnsupportedQuery',
      unsupported('displayName'),
    );
    rejects(() => check('id eq null', USER_FILTER, true), 'Request_UnsupportedQuery', unsupported('id'));
    rejects(
      () => check("groupTypes eq 'Unified'", GROUP_FILTER),
      'Request_UnsupportedQuery',
      unsupported('groupTypes', 'Group'),
    );
    rejects(
      () => check("displayName/any(c:c eq 'x')", GROUP_FILTER),
      'Request_UnsupportedQuery',
      unsupported('displayName', 'Group'),
    );
    rejects(
      () => check("assignedLicenses/any(x:x/foo eq 'a')"),
      'Request_UnsupportedQuery',
      unsupported('assignedLicenses'),
    );
    rejects(
      () => check(`assignedLicenses/any(x:x eq ${SKU})`),
      'Request_UnsupportedQuery',
      unsupported('assignedLicenses'),
    );
    rejects(
      () => check("tags/any(t:t eq 'x')", GROUP_FILTER),
      'Request_UnsupportedQuery',
      unsupported('tags', 'Group'),
    );
  });

  test('ne needs advanced query parameters; Graph calls it NotEqualsMatch', () => {
    const message = "Filter operator 'NotEqualsMatch' is not supported.";
    rejects(() => check('accountEnabled ne true'), 'Request_UnsupportedQuery', message);
    rejects(() => check('companyName ne null'), 'Request_UnsupportedQuery', message);
    assert.doesNotThrow(() => check('accountEnabled ne true', USER_FILTER, true));
    assert.doesNotThrow(() => check('companyName ne null', USER_FILTER, true));
  });

  test('endsWith needs advanced query parameters, on strings and inside any()', () => {
    const message =
      "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information";
    rejects(() => check("endswith(mail,'@outlook.com')"), 'Request_UnsupportedQuery', message);
    rejects(() => check("proxyAddresses/any(p:endswith(p,'.com'))"), 'Request_UnsupportedQuery', message);
    assert.doesNotThrow(() => check("endswith(mail,'@outlook.com')", USER_FILTER, true));
    assert.doesNotThrow(() => check("proxyAddresses/any(p:endsWith(p,'OnMicrosoft.com'))", USER_FILTER, true));
  });

  test('not, eq null, $count and advanced-only properties need advanced query parameters', () => {
    for (const text of [
      "not(displayName eq 'x')",
      "NOT startsWith(displayName, 'Conf')",
      'displayName eq null',
      "companyName eq 'Contoso'",
      "startswith(mobilePhone,'25478')",
      'assignedLicenses/$count eq 0',
    ]) {
      rejects(() => check(text), 'Request_UnsupportedQuery', 'Unsupported Query.');
      assert.doesNotThrow(() => check(text, USER_FILTER, true), text);
    }
  });

  test('not also needs the property to support negation', () => {
    assert.doesNotThrow(() => check("not(groupTypes/any(c:c eq 'Unified'))", GROUP_FILTER, true));
    rejects(
      () => check("not(identities/any(c:c/issuer eq 'x'))", USER_FILTER, true),
      'Request_UnsupportedQuery',
      unsupported('identities'),
    );
  });

  test('$count takes only eq and ne, and only on collections', () => {
    rejects(
      () => check('assignedLicenses/$count gt 0', USER_FILTER, true),
      'Request_UnsupportedQuery',
      unsupported('assignedLicenses'),
    );
    rejects(
      () => check('displayName/$count eq 0', USER_FILTER, true),
      'Request_UnsupportedQuery',
      unsupported('displayName'),
    );
  });

  test('literal types must fit the property', () => {
    rejects(
      () => check("accountEnabled eq 'true'"),
      'BadRequest',
      "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'.",
    );
    rejects(
      () => check('displayName eq 5'),
      'BadRequest',
      "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int32' for operator kind 'Equal'.",
    );
    rejects(
      () => check("createdDateTime ge 'yesterday'"),
      'BadRequest',
      "Invalid filter clause: A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind 'GreaterThanOrEqual'.",
    );
    rejects(() => check('userType in (1, 2)'), 'BadRequest', 'Invalid filter clause');
    rejects(
      () => check("startswith(accountEnabled,'t')"),
      'BadRequest',
      "Invalid filter clause: No function signature for the function with name 'startswith' matches the specified arguments. The function signatures considered are: startswith(Edm.String Nullable=true, Edm.String Nullable=true).",
    );
  });

  test('at most 15 alternatives in an in list or or chain without advanced query parameters', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `'u${i}@x.com'`);
    assert.doesNotThrow(() => check(`userPrincipalName in (${ids(15).join(',')})`));
    rejects(
      () => check(`userPrincipalName in (${ids(16).join(',')})`),
      'Request_UnsupportedQuery',
      "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15.",
    );
    const chain = ids(18)
      .map((id) => `userPrincipalName eq ${id}`)
      .join(' or ');
    rejects(
      () => check(chain),
      'Request_UnsupportedQuery',
      "Too many child clauses specified in search filter expression containing 'OR' operators: 18. Max allowed: 15.",
    );
    assert.doesNotThrow(() => check(`userPrincipalName in (${ids(40).join(',')})`, USER_FILTER, true));
    assert.doesNotThrow(() => check(chain, USER_FILTER, true));
  });

  test('the tables cover the properties the emulator filters on', () => {
    const expect = (caps: FilterCapabilities, names: string[]) => {
      for (const name of names) assert.ok(caps.properties[name], `${caps.resource}.${name}`);
    };
    expect(USER_FILTER, [
      'id',
      'userPrincipalName',
      'displayName',
      'givenName',
      'surname',
      'mail',
      'mailNickname',
      'jobTitle',
      'department',
      'companyName',
      'officeLocation',
      'city',
      'country',
      'usageLocation',
      'employeeId',
      'accountEnabled',
      'userType',
      'createdDateTime',
      'assignedLicenses',
      'proxyAddresses',
      'otherMails',
      'mobilePhone',
      'businessPhones',
    ]);
    expect(GROUP_FILTER, [
      'id',
      'displayName',
      'description',
      'mail',
      'mailNickname',
      'mailEnabled',
      'securityEnabled',
      'groupTypes',
      'createdDateTime',
      'visibility',
      'proxyAddresses',
    ]);
    expect(SERVICE_PRINCIPAL_FILTER, [
      'id',
      'appId',
      'displayName',
      'accountEnabled',
      'servicePrincipalType',
      'appOwnerOrganizationId',
      'servicePrincipalNames',
    ]);
    expect(APPLICATION_FILTER, ['id', 'appId', 'displayName', 'signInAudience', 'createdDateTime']);
    assert.equal(USER_FILTER.properties.assignedLicenses?.item?.skuId?.type, 'guid');
  });
});

describe('evaluateFilter', () => {
  const alice = {
    id: 'a1',
    displayName: 'Alice Adams',
    userPrincipalName: 'Alice@Contoso.com',
    mail: 'alice@contoso.com',
    accountEnabled: true,
    userType: 'Member',
    companyName: null,
    createdDateTime: '2024-03-01T10:00:00Z',
    assignedLicenses: [{ skuId: SKU.toUpperCase(), disabledPlans: [] }],
    proxyAddresses: ['SMTP:alice@contoso.com', 'smtp:alice@contoso.onmicrosoft.com'],
    businessPhones: [],
  };

  test('eq, in, startsWith and endsWith ignore case', () => {
    assert.equal(matches("userPrincipalName eq 'alice@contoso.COM'", alice), true);
    assert.equal(matches("userPrincipalName eq 'bob@contoso.com'", alice), false);
    assert.equal(matches("userType in ('guest', 'MEMBER')", alice), true);
    assert.equal(matches("userType in ('guest')", alice), false);
    assert.equal(matches("startswith(displayName,'alice a')", alice), true);
    assert.equal(matches("startswith(displayName,'Adams')", alice), false);
    assert.equal(matches("endswith(mail,'@CONTOSO.com')", alice), true);
    assert.equal(matches("endswith(mail,'@fabrikam.com')", alice), false);
  });

  test('null: missing and null values equal null and nothing else', () => {
    assert.equal(matches('companyName eq null', alice), true);
    assert.equal(matches('jobTitle eq null', alice), true, 'a missing property is null');
    assert.equal(matches('mail eq null', alice), false);
    assert.equal(matches('mail ne null', alice), true);
    assert.equal(matches("companyName ne 'Contoso'", alice), true);
    assert.equal(matches("companyName eq 'Contoso'", alice), false);
    assert.equal(matches("companyName ge 'A'", alice), false);
  });

  test('booleans and logical operators', () => {
    assert.equal(matches('accountEnabled eq true', alice), true);
    assert.equal(matches('accountEnabled eq false', alice), false);
    assert.equal(matches('accountEnabled ne true', alice), false);
    assert.equal(matches("not(displayName eq 'Alice Adams')", alice), false);
    assert.equal(matches("userType eq 'Guest' or accountEnabled eq true and displayName eq 'x'", alice), false);
    assert.equal(
      matches("(userType eq 'Guest' or accountEnabled eq true) and startswith(displayName,'A')", alice),
      true,
    );
  });

  test('datetimes compare as instants, whatever the offset', () => {
    assert.equal(matches('createdDateTime ge 2024-03-01T10:00:00Z', alice), true);
    assert.equal(matches('createdDateTime ge 2024-03-01T10:00:01Z', alice), false);
    assert.equal(matches('createdDateTime le 2024-03-01T10:59:59+01:00', alice), false);
    assert.equal(matches('createdDateTime le 2024-03-01T11:00:00+01:00', alice), true);
    assert.equal(matches('createdDateTime eq 2024-03-01T12:00:00+02:00', alice), true);
    assert.equal(
      evaluateFilter(parseFilter('createdDateTime ge 2024-01-01'), { createdDateTime: new Date('2024-06-01') }),
      true,
    );
  });

  test('any() over object and string collections', () => {
    assert.equal(matches(`assignedLicenses/any(x:x/skuId eq ${SKU})`, alice), true, 'GUIDs ignore case');
    assert.equal(matches('assignedLicenses/any(x:x/skuId eq 00000000-0000-0000-0000-000000000000)', alice), false);
    assert.equal(matches("proxyAddresses/any(p:startswith(p,'smtp:alice@contoso.onmicrosoft'))", alice), true);
    assert.equal(matches("proxyAddresses/any(p:p eq 'smtp:bob@contoso.com')", alice), false);
    assert.equal(matches("businessPhones/any(p:p eq '1')", alice), false, 'an empty collection has no match');
    assert.equal(matches("otherMails/any(p:p eq '1')", alice), false, 'a missing collection has no match');
    assert.equal(matches("not(proxyAddresses/any(p:p eq 'smtp:bob@contoso.com'))", alice), true);

    const group = { groupTypes: ['Unified', 'DynamicMembership'], mailEnabled: true };
    assert.equal(matches("groupTypes/any(c:c eq 'unified')", group, GROUP_FILTER), true);
    assert.equal(matches("groupTypes/any(c:c eq 'Security')", group, GROUP_FILTER), false);
  });

  test('$count compares the length of a collection', () => {
    assert.equal(matches('assignedLicenses/$count eq 1', alice), true);
    assert.equal(matches('assignedLicenses/$count eq 0', alice), false);
    assert.equal(matches('assignedLicenses/$count ne 0', alice), true);
    assert.equal(matches('assignedLicenses/$count eq 0', { id: 'b' }), true);
  });

  test('property names in the object are found regardless of case when the filter was not validated', () => {
    assert.equal(evaluateFilter(parseFilter("DisplayName eq 'alice adams'"), alice), true);
  });
});
