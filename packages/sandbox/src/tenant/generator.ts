import { en, Faker } from '@faker-js/faker';
import { ChangeLog } from './change-log.js';
import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Group, type Tenant, type User } from './model.js';

/** Office 365 E3 (ENTERPRISEPACK) and Microsoft 365 E5 SKU IDs, as assigned licences carry them. */
export const SKU_OFFICE_365_E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const SKU_MICROSOFT_365_E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';

export interface OrganisationOptions {
  seed: number;
  /** Index of the tenant within the sandbox; tenants of one seed differ by index. */
  index: number;
  users: number;
  /** Number of groups; by default two per department, one company-wide and one project group per 25 users. */
  groups?: number;
  /** Fixed display name / domain label, e.g. for tenants created through the control API. */
  displayName?: string;
  domainLabel?: string;
  createdDateTime: string;
  isTakenDomain?: (domain: string) => boolean;
}

const DEPARTMENTS: { name: string; titles: string[] }[] = [
  { name: 'Sales', titles: ['Account Executive', 'Sales Representative', 'Sales Engineer', 'Inside Sales Specialist'] },
  { name: 'Marketing', titles: ['Marketing Specialist', 'Content Strategist', 'Brand Designer', 'Campaign Analyst'] },
  { name: 'Engineering', titles: ['Software Engineer', 'Senior Software Engineer', 'QA Engineer', 'DevOps Engineer'] },
  { name: 'Product', titles: ['Product Manager', 'UX Designer', 'UX Researcher', 'Technical Writer'] },
  { name: 'Finance', titles: ['Accountant', 'Financial Analyst', 'Controller', 'Payroll Specialist'] },
  { name: 'Human Resources', titles: ['HR Generalist', 'Recruiter', 'People Partner', 'Benefits Specialist'] },
  { name: 'Legal', titles: ['Counsel', 'Paralegal', 'Contracts Manager', 'Compliance Analyst'] },
  { name: 'Operations', titles: ['Operations Analyst', 'Office Manager', 'Facilities Coordinator', 'Buyer'] },
  { name: 'Customer Success', titles: ['Customer Success Manager', 'Support Engineer', 'Onboarding Specialist'] },
  { name: 'IT', titles: ['Systems Administrator', 'IT Support Specialist', 'Security Analyst', 'Network Engineer'] },
];

const OFFICES = [
  { officeLocation: 'London HQ', city: 'London', country: 'United Kingdom', usageLocation: 'GB', phone: '+44 20 7946' },
  {
    officeLocation: 'Manchester',
    city: 'Manchester',
    country: 'United Kingdom',
    usageLocation: 'GB',
    phone: '+44 161 496',
  },
  { officeLocation: 'Amsterdam', city: 'Amsterdam', country: 'Netherlands', usageLocation: 'NL', phone: '+31 20 794' },
  { officeLocation: 'Seattle', city: 'Seattle', country: 'United States', usageLocation: 'US', phone: '+1 206 555' },
  { officeLocation: 'Remote', city: 'Dublin', country: 'Ireland', usageLocation: 'IE', phone: '+353 1 555' },
];

/** Members a team lead looks after before a department gets another lead. */
const TEAM_SIZE = 8;

function slug(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/**
 * Makes a believable organisation — people with departments, job titles and managers, department and project
 * groups, a Global Administrator — the same for the same options.
 */
export function generateOrganisation(options: OrganisationOptions): Tenant {
  const f = new Faker({ locale: [en] });
  f.seed([options.seed, options.index]);
  const created = options.createdDateTime;

  const displayName = options.displayName ?? f.company.name().replace(/,? (and|&) /g, ' & ');
  let label =
    options.domainLabel ??
    slug(
      displayName
        .split(/[\s&-]+/)
        .slice(0, 2)
        .join(''),
    ).slice(0, 24);
  if (!label) label = `tenant${options.index}`;
  let defaultDomain = `${label}.onmicrosoft.com`;
  for (let n = 2; options.isTakenDomain?.(defaultDomain); n++) defaultDomain = `${label}${n}.onmicrosoft.com`;

  const tenant: Tenant = {
    id: f.string.uuid(),
    displayName,
    defaultDomain,
    verifiedDomains: [{ name: defaultDomain, isDefault: true, isInitial: true, type: 'Managed' }],
    countryLetterCode: 'GB',
    createdDateTime: created,
    settings: { usersCanConsent: true, sharingCapability: 'externalUserAndGuestSharing', premiumLicense: true },
    users: new Map(),
    groups: new Map(),
    applications: new Map(),
    servicePrincipals: new Map(),
    appRoleAssignments: [],
    oauth2PermissionGrants: [],
    deletedUsers: new Map(),
    deletedGroups: new Map(),
    changeLog: new ChangeLog(),
  };

  const taken = new Set<string>();
  const uniqueNickname = (base: string): string => {
    let nick = base || 'user';
    for (let n = 2; taken.has(nick); n++) nick = `${base}${n}`;
    taken.add(nick);
    return nick;
  };

  const password = () =>
    `${f.string.alpha({ length: 1, casing: 'upper' })}${f.string.alphanumeric(9)}${f.number.int({ min: 10, max: 99 })}!`;

  const makeUser = (givenName: string, surname: string, extra: Partial<User>): User => {
    const nick = uniqueNickname(extra.mailNickname ?? [slug(givenName), slug(surname)].filter(Boolean).join('.'));
    const office = f.helpers.arrayElement(OFFICES);
    const upn = `${nick}@${defaultDomain}`;
    const user: User = {
      id: f.string.uuid(),
      userPrincipalName: upn,
      displayName: `${givenName} ${surname}`.trim(),
      givenName,
      surname,
      mail: upn,
      mailNickname: nick,
      jobTitle: null,
      department: null,
      officeLocation: office.officeLocation,
      city: office.city,
      country: office.country,
      usageLocation: office.usageLocation,
      mobilePhone: null,
      businessPhones: [`${office.phone} ${f.string.numeric(4)}`],
      employeeId: f.string.numeric(6),
      companyName: displayName,
      managerId: null,
      accountEnabled: true,
      userType: 'Member',
      createdDateTime: created,
      assignedLicenses: [{ skuId: SKU_OFFICE_365_E3, disabledPlans: [] }],
      directoryRoleIds: [],
      password: password(),
      mfaRequired: false,
      conditionalAccessBlocked: false,
      signInSessionsValidFromDateTime: created,
      lastPasswordChangeDateTime: created,
      mailboxEnabled: true,
      oneDriveProvisioned: true,
      ...extra,
    };
    tenant.users.set(user.id, user);
    return user;
  };

  const users: User[] = [];
  const admin = makeUser('Tenant', 'Administrator', {
    mailNickname: 'admin',
    displayName: `${displayName} Administrator`,
    jobTitle: 'IT Administrator',
    department: 'IT',
    employeeId: null,
    directoryRoleIds: [GLOBAL_ADMINISTRATOR_ROLE_ID],
    assignedLicenses: [{ skuId: SKU_MICROSOFT_365_E5, disabledPlans: [] }],
  });
  users.push(admin);

  const person = () => ({ given: f.person.firstName(), surname: f.person.lastName() });
  const departmentCount = Math.max(1, Math.min(DEPARTMENTS.length, Math.floor((options.users - 2) / 4)));
  const departments = DEPARTMENTS.slice(0, departmentCount).map((d) => ({
    ...d,
    head: undefined as User | undefined,
    lead: undefined as User | undefined,
    members: [] as User[],
  }));

  let ceo: User | undefined;
  if (options.users >= 2) {
    const p = person();
    ceo = makeUser(p.given, p.surname, { jobTitle: 'Chief Executive Officer', department: 'Executive' });
    users.push(ceo);
  }

  for (let i = users.length; i < options.users; i++) {
    const p = person();
    const unstaffed = departments.find((d) => !d.head);
    const dept = unstaffed ?? f.helpers.arrayElement(departments);
    let user: User;
    if (!dept.head) {
      user = makeUser(p.given, p.surname, {
        jobTitle: `Head of ${dept.name}`,
        department: dept.name,
        managerId: ceo?.id ?? null,
      });
      dept.head = user;
    } else if (!dept.lead || dept.members.length % TEAM_SIZE === 0) {
      user = makeUser(p.given, p.surname, {
        jobTitle: `${dept.name} Manager`,
        department: dept.name,
        managerId: dept.head.id,
      });
      dept.lead = user;
    } else {
      user = makeUser(p.given, p.surname, {
        jobTitle: f.helpers.arrayElement(dept.titles),
        department: dept.name,
        managerId: dept.lead.id,
        mobilePhone: f.datatype.boolean(0.6) ? f.phone.number({ style: 'international' }) : null,
      });
    }
    dept.members.push(user);
    // A few leavers keep their account but cannot sign in, and a few have no licence (so no mailbox).
    if (f.datatype.boolean(0.02)) user.accountEnabled = false;
    if (f.datatype.boolean(0.03)) {
      user.assignedLicenses = [];
      user.mailboxEnabled = false;
      user.oneDriveProvisioned = false;
    }
    users.push(user);
  }

  const makeGroup = (
    name: string,
    kind: 'security' | 'microsoft365',
    members: User[],
    owners: User[],
    description: string,
  ) => {
    const nick = uniqueNickname(slug(name) || 'group');
    const group: Group = {
      id: f.string.uuid(),
      displayName: name,
      description,
      mailNickname: nick,
      mail: kind === 'microsoft365' ? `${nick}@${defaultDomain}` : null,
      mailEnabled: kind === 'microsoft365',
      securityEnabled: kind === 'security',
      groupTypes: kind === 'microsoft365' ? ['Unified'] : [],
      visibility: kind === 'microsoft365' ? 'Private' : null,
      createdDateTime: created,
      memberIds: [...new Set(members.map((m) => m.id))],
      ownerIds: owners.map((o) => o.id),
    };
    tenant.groups.set(group.id, group);
    return group;
  };

  const targetGroups = options.groups ?? departments.length * 2 + 1 + Math.floor(options.users / 25);
  const groupList: Group[] = [];
  const add = (g: () => Group) => {
    if (groupList.length < targetGroups) groupList.push(g());
  };
  add(() => makeGroup('All Company', 'microsoft365', users, [admin], `Everyone at ${displayName}.`));
  for (const d of departments) {
    const owners = d.head ? [d.head] : [admin];
    add(() => makeGroup(`${d.name}`, 'security', d.members, owners, `Security group for the ${d.name} department.`));
    add(() => makeGroup(`${d.name} Team`, 'microsoft365', d.members, owners, `The ${d.name} team.`));
  }
  const managers = users.filter((u) => u.jobTitle?.startsWith('Head of') || u.jobTitle?.endsWith('Manager'));
  if (managers.length > 0) {
    add(() => makeGroup('All Managers', 'security', managers, [admin], 'People who manage a team.'));
  }
  const nested =
    groupList.length > 2 ? groupList.filter((g) => g.securityEnabled && g.displayName !== 'All Managers') : [];
  if (nested.length > 0) {
    add(() => {
      const g = makeGroup('All Staff Security', 'security', [], [admin], 'Every department security group (nested).');
      g.memberIds = nested.map((n) => n.id);
      return g;
    });
  }
  while (groupList.length < targetGroups && users.length > 0) {
    const name = `Project ${f.word.adjective({ length: { min: 4, max: 9 } })} ${f.word.noun({ length: { min: 4, max: 9 } })}`;
    // Pick by index: arrayElements would copy and shuffle the whole user list for every group.
    const size = Math.min(users.length, f.number.int({ min: 3, max: 12 }));
    const picked = new Set<User>();
    while (picked.size < size) picked.add(users[f.number.int({ min: 0, max: users.length - 1 })]!);
    const members = [...picked];
    const kind = f.datatype.boolean(0.5) ? 'microsoft365' : 'security';
    groupList.push(
      makeGroup(
        name.replace(/\b\w/g, (c) => c.toUpperCase()),
        kind,
        members,
        members.slice(0, 1),
        `Working group: ${name}.`,
      ),
    );
  }

  return tenant;
}
