// Microsoft Graph permissions known to the sandbox: names and IDs as Microsoft Graph publishes them
// (its service principal's appRoles and oauth2PermissionScopes). Sources are listed in the sandbox README.

export interface GraphPermissionEntry {
  name: string;
  application: { id: string; displayName: string; description: string } | null;
  delegated: { id: string; displayName: string; description: string; adminConsentRequired: boolean } | null;
}

export const GRAPH_PERMISSIONS: readonly GraphPermissionEntry[] = [
  {
    name: 'User.Read',
    application: null,
    delegated: {
      id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d',
      displayName: 'Sign in and read user profile',
      description: 'Allows users to sign-in to the app, and allows the app to read the profile of signed-in users.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'User.ReadBasic.All',
    application: {
      id: '97235f07-e226-4f63-ace3-39588e11d3a1',
      displayName: "Read all users' basic profiles",
      description:
        'Allows the app to read a basic set of profile properties of other users in your organization without a signed-in user.',
    },
    delegated: {
      id: 'b340eb25-3456-403f-be2f-af7a0d370277',
      displayName: "Read all users' basic profiles",
      description:
        'Allows the app to read a basic set of profile properties of other users in your organization on behalf of the signed-in user.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'User.Read.All',
    application: {
      id: 'df021288-bdef-4463-88db-98f22de89214',
      displayName: "Read all users' full profiles",
      description: 'Allows the app to read user profiles without a signed in user.',
    },
    delegated: {
      id: 'a154be20-db9c-4678-8ab7-66f6cc099a59',
      displayName: "Read all users' full profiles",
      description:
        'Allows the app to read the full set of profile properties, reports, and managers of other users in your organization, on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'User.ReadWrite.All',
    application: {
      id: '741f803b-c850-494e-b5df-cde7c675a1ca',
      displayName: "Read and write all users' full profiles",
      description: 'Allows the app to read and update user profiles without a signed in user.',
    },
    delegated: {
      id: '204e0828-b5ca-4ad8-b9f3-f32a958e7cc4',
      displayName: "Read and write all users' full profiles",
      description:
        'Allows the app to read and write the full set of profile properties, reports, and managers of other users in your organization, on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Group.Read.All',
    application: {
      id: '5b567255-7703-4780-807c-7be8301ae99b',
      displayName: 'Read all groups',
      description:
        'Allows the app to read group properties and memberships, and read conversations for all groups, without a signed-in user.',
    },
    delegated: {
      id: '5f8c59db-677d-491f-a6b8-5f174b11ec1d',
      displayName: 'Read all groups',
      description:
        'Allows the app to list groups, and to read their properties and all group memberships on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Group.ReadWrite.All',
    application: {
      id: '62a82d76-70ea-41e2-9197-370581804d09',
      displayName: 'Read and write all groups',
      description:
        'Allows the app to create groups, read all group properties and memberships, update group properties and memberships, and delete groups.',
    },
    delegated: {
      id: '4e46008b-f24c-477d-8fff-7bb4ec7aafe0',
      displayName: 'Read and write all groups',
      description:
        'Allows the app to create groups and read all group properties and memberships on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'GroupMember.Read.All',
    application: {
      id: '98830695-27a2-44f7-8c18-0c3ebc9698f6',
      displayName: 'Read all group memberships',
      description:
        'Allows the app to read memberships and basic group properties for all groups without a signed-in user.',
    },
    delegated: {
      id: 'bc024368-1153-4739-b217-4326f2e966d0',
      displayName: 'Read group memberships',
      description:
        'Allows the app to list groups, read basic group properties and read membership of all groups the signed-in user has access to.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Directory.Read.All',
    application: {
      id: '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
      displayName: 'Read directory data',
      description:
        "Allows the app to read data in your organization's directory, such as users, groups and apps, without a signed-in user.",
    },
    delegated: {
      id: '06da0dbc-49e2-44d2-8312-53f166ab848a',
      displayName: 'Read directory data',
      description: "Allows the app to read data in your organization's directory, such as users, groups and apps.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'Directory.ReadWrite.All',
    application: {
      id: '19dbc75e-c2e2-444c-a770-ec69d8559fc7',
      displayName: 'Read and write directory data',
      description:
        "Allows the app to read and write data in your organization's directory, such as users, and groups, without a signed-in user.",
    },
    delegated: {
      id: 'c5366453-9fb0-48a5-a156-24f0c49a4b84',
      displayName: 'Read and write directory data',
      description: "Allows the app to read and write data in your organization's directory, such as users, and groups.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'Organization.Read.All',
    application: {
      id: '498476ce-e0fe-48b0-b801-37ba7e2685c6',
      displayName: 'Read organization information',
      description: 'Allows the app to read the organization and related resources, without a signed-in user.',
    },
    delegated: {
      id: '4908d5b9-3fb2-4b1e-9336-1888b7937185',
      displayName: 'Read organization information',
      description: 'Allows the app to read the organization and related resources, on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Application.Read.All',
    application: {
      id: '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
      displayName: 'Read all applications',
      description: 'Allows the app to read all applications and service principals without a signed-in user.',
    },
    delegated: {
      id: 'c79f8feb-a9db-4090-85f9-90d820caa0eb',
      displayName: 'Read applications',
      description: 'Allows the app to read applications and service principals on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Calendars.Read',
    application: {
      id: '798ee544-9d2d-430c-a058-570e29e34338',
      displayName: 'Read calendars in all mailboxes',
      description: 'Allows the app to read events of all calendars without a signed-in user.',
    },
    delegated: {
      id: '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42',
      displayName: 'Read user calendars',
      description: 'Allows the app to read events in user calendars.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Calendars.ReadBasic',
    application: null,
    delegated: {
      id: '662d75ba-a364-42ad-adee-f5f880ea4878',
      displayName: 'Read basic details of user calendars',
      description:
        'Allows the app to read events in user calendars, except for properties such as body, attachments, and extensions.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Calendars.ReadBasic.All',
    application: {
      id: '8ba4a692-bc31-4128-9094-475872af8a53',
      displayName: 'Read basic details of calendars in all mailboxes',
      description:
        'Allows the app to read events of all calendars, except for properties such as body, attachments, and extensions, without a signed-in user.',
    },
    delegated: null,
  },
  {
    name: 'Calendars.ReadWrite',
    application: {
      id: 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
      displayName: 'Read and write calendars in all mailboxes',
      description:
        'Allows the app to create, read, update, and delete events of all calendars without a signed-in user.',
    },
    delegated: {
      id: '1ec239c2-d7c9-4623-a91a-a9775856bb36',
      displayName: 'Have full access to user calendars',
      description: 'Allows the app to create, read, update, and delete events in user calendars.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Calendars.Read.Shared',
    application: null,
    delegated: {
      id: '2b9c4092-424d-4249-948d-b43879977640',
      displayName: 'Read user and shared calendars',
      description:
        'Allows the app to read events in all calendars that the user can access, including delegate and shared calendars.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Calendars.ReadWrite.Shared',
    application: null,
    delegated: {
      id: '12466101-c9b8-439a-8589-dd09ee67e8e9',
      displayName: 'Read and write user and shared calendars',
      description:
        'Allows the app to create, read, update and delete events in all calendars in the organization user has permissions to access.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Mail.Read',
    application: {
      id: '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
      displayName: 'Read mail in all mailboxes',
      description: 'Allows the app to read mail in all mailboxes without a signed-in user.',
    },
    delegated: {
      id: '570282fd-fa5c-430d-a7fd-fc8dc98a9dca',
      displayName: 'Read user mail',
      description: "Allows the app to read the signed-in user's mailbox.",
      adminConsentRequired: false,
    },
  },
  {
    name: 'Mail.ReadBasic',
    application: {
      id: '6be147d2-ea4f-4b5a-a3fa-3eab6f3c140a',
      displayName: 'Read basic mail in all mailboxes',
      description: 'Allows the app to read basic mail properties in all mailboxes without a signed-in user.',
    },
    delegated: {
      id: 'a4b8392a-d8d1-4954-a029-8e668a39a170',
      displayName: 'Read user basic mail',
      description:
        "Allows the app to read email in the signed-in user's mailbox except body, previewBody, attachments and any extended properties.",
      adminConsentRequired: false,
    },
  },
  {
    name: 'Mail.ReadBasic.All',
    application: {
      id: '693c5e45-0940-467d-9b8a-1022fb9d42ef',
      displayName: 'Read basic mail in all mailboxes',
      description: 'Allows the app to read basic mail properties in all mailboxes without a signed-in user.',
    },
    delegated: null,
  },
  {
    name: 'Mail.ReadWrite',
    application: {
      id: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
      displayName: 'Read and write mail in all mailboxes',
      description: 'Allows the app to create, read, update, and delete mail in all mailboxes without a signed-in user.',
    },
    delegated: {
      id: '024d486e-b451-40bb-833d-3e66d98c5c73',
      displayName: 'Read and write access to user mail',
      description: 'Allows the app to create, read, update, and delete email in user mailboxes.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Mail.Send',
    application: {
      id: 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
      displayName: 'Send mail as any user',
      description: 'Allows the app to send mail as any user without a signed-in user.',
    },
    delegated: {
      id: 'e383f46e-2787-4529-855e-0e479a3ffac0',
      displayName: 'Send mail as a user',
      description: 'Allows the app to send mail as users in the organization.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Mail.Send.Shared',
    application: null,
    delegated: {
      id: 'a367ab51-6b49-43bf-a716-a1fb06d2a174',
      displayName: 'Send mail on behalf of others',
      description: 'Allows the app to send mail as the signed-in user, including sending on-behalf of others.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Mail.Read.Shared',
    application: null,
    delegated: {
      id: '7b9103a5-4610-446b-9670-80643382c1fa',
      displayName: 'Read user and shared mail',
      description: 'Allows the app to read mail a user can access, including their own and shared mail.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Mail.ReadWrite.Shared',
    application: null,
    delegated: {
      id: '5df07973-7d5d-46ed-9847-1271055cbd51',
      displayName: 'Read and write user and shared mail',
      description:
        'Allows the app to create, read, update, and delete mail a user has permission to access, including their own and shared mail.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'MailboxSettings.Read',
    application: {
      id: '40f97065-369a-49f4-947c-6a255697ae91',
      displayName: 'Read all user mailbox settings',
      description: "Allows the app to read user's mailbox settings without a signed-in user.",
    },
    delegated: {
      id: '87f447af-9fa4-4c32-9dfa-4a57a73d18ce',
      displayName: 'Read user mailbox settings',
      description: "Allows the app to the read user's mailbox settings.",
      adminConsentRequired: false,
    },
  },
  {
    name: 'MailboxSettings.ReadWrite',
    application: {
      id: '6931bccd-447a-43d1-b442-00a195474933',
      displayName: 'Read and write all user mailbox settings',
      description:
        "Allows the app to create, read, update, and delete user's mailbox settings without a signed-in user.",
    },
    delegated: {
      id: '818c620a-27a9-40bd-a6a5-d96f7d610b4b',
      displayName: 'Read and write user mailbox settings',
      description: "Allows the app to create, read, update, and delete user's mailbox settings.",
      adminConsentRequired: false,
    },
  },
  {
    name: 'Presence.Read',
    application: null,
    delegated: {
      id: '76bc735e-aecd-4a1d-8b4c-2b915deabb79',
      displayName: "Read user's presence information",
      description: 'Allows the app to read presence information on behalf of the signed-in user.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Presence.Read.All',
    application: {
      id: 'a70e0c2d-e793-494c-94c4-118fa0a67f42',
      displayName: 'Read presence information for all users',
      description:
        'Allows the app to read presence information of all users in the directory without a signed-in user.',
    },
    delegated: {
      id: '9c7a330d-35b3-4aa1-963d-cb2b9f927841',
      displayName: 'Read presence information of all users in your organization',
      description:
        'Allows the app to read presence information of all users in the directory on behalf of the signed-in user.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Presence.ReadWrite',
    application: null,
    delegated: {
      id: '8d3c54a7-cf58-4773-bf81-c0cd6ad522bb',
      displayName: "Read and write a user's presence information",
      description:
        'Allows the app to read the presence information and write activity and availability on behalf of the signed-in user.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Presence.ReadWrite.All',
    application: {
      id: '83cded22-8297-4ff6-a7fa-e97e9545a259',
      displayName: 'Read and write presence information for all users',
      description:
        'Allows the app to read all presence information and write activity and availability of all users in the directory without a signed-in user.',
    },
    delegated: null,
  },
  {
    name: 'Files.Read',
    application: null,
    delegated: {
      id: '10465720-29dd-4523-a11a-6a75c743c9d9',
      displayName: 'Read user files',
      description: "Allows the app to read the signed-in user's files.",
      adminConsentRequired: false,
    },
  },
  {
    name: 'Files.Read.All',
    application: {
      id: '01d4889c-1287-42c6-ac1f-5d1e02578ef6',
      displayName: 'Read files in all site collections',
      description: 'Allows the app to read all files in all site collections without a signed in user.',
    },
    delegated: {
      id: 'df85f4d6-205c-4ac5-a5ea-6bf408dba283',
      displayName: 'Read all files that user can access',
      description: 'Allows the app to read all files the signed-in user can access.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Files.ReadWrite',
    application: null,
    delegated: {
      id: '5c28f0bf-8a70-41f1-8ab2-9032436ddb65',
      displayName: 'Have full access to user files',
      description: "Allows the app to read, create, update and delete the signed-in user's files.",
      adminConsentRequired: false,
    },
  },
  {
    name: 'Files.ReadWrite.All',
    application: {
      id: '75359482-378d-4052-8f01-80520e7db3cd',
      displayName: 'Read and write files in all site collections',
      description:
        'Allows the app to read, create, update and delete all files in all site collections without a signed in user.',
    },
    delegated: {
      id: '863451e7-0667-486c-a5d6-d135439485f0',
      displayName: 'Have full access to all files user can access',
      description: 'Allows the app to read, create, update and delete all files the signed-in user can access.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Sites.Read.All',
    application: {
      id: '332a536c-c7ef-4017-ab91-336970924f0d',
      displayName: 'Read items in all site collections',
      description: 'Allows the app to read documents and list items in all site collections without a signed in user.',
    },
    delegated: {
      id: '205e70e5-aba6-4c52-a976-6d2d46c48043',
      displayName: 'Read items in all site collections',
      description:
        'Allows the application to read documents and list items in all site collections on behalf of the signed-in user',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Sites.ReadWrite.All',
    application: {
      id: '9492366f-7969-46a4-8d15-ed1a20078fff',
      displayName: 'Read and write items in all site collections',
      description:
        'Allows the app to create, read, update, and delete documents and list items in all site collections without a signed in user.',
    },
    delegated: {
      id: '89fe6a52-be36-487e-b7d8-d061c450a026',
      displayName: 'Edit or delete items in all site collections',
      description:
        'Allows the application to edit or delete documents and list items in all site collections on behalf of the signed-in user.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'Sites.Selected',
    application: {
      id: '883ea226-0bf2-4a8f-9f9d-92c9162a727d',
      displayName: 'Access selected site collections',
      description: 'Allow the application to access a subset of site collections without a signed in user.',
    },
    delegated: {
      id: 'f89c84ef-20d0-4b54-87e9-02e856d66d53',
      displayName: 'Access selected Sites, on behalf of the signed-in user',
      description: 'Allow the application to access a subset of site collections on behalf of the signed-in user.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'SharePointTenantSettings.Read.All',
    application: {
      id: '83d4163d-a2d8-4d3b-9695-4ae3ca98f888',
      displayName: 'Read SharePoint and OneDrive tenant settings',
      description:
        'Allows the application to read the tenant-level settings of SharePoint and OneDrive, without a signed-in user.',
    },
    delegated: {
      id: '2ef70e10-5bfd-4ede-a5f6-67720500b258',
      displayName: 'Read SharePoint and OneDrive tenant settings',
      description:
        'Allows the application to read the tenant-level settings of SharePoint and OneDrive on your behalf.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'SharePointTenantSettings.ReadWrite.All',
    application: {
      id: '19b94e34-907c-4f43-bde9-38b1909ed408',
      displayName: 'Read and change SharePoint and OneDrive tenant settings',
      description:
        'Allows the application to read and change the tenant-level settings of SharePoint and OneDrive, without a signed-in user.',
    },
    delegated: {
      id: 'aa07f155-3612-49b8-a147-6c590df35536',
      displayName: 'Read and change SharePoint and OneDrive tenant settings',
      description:
        'Allows the application to read and change the tenant-level settings of SharePoint and OneDrive on your behalf.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'AuditLog.Read.All',
    application: {
      id: 'b0afded3-3588-46d8-8b3d-9842eff778da',
      displayName: 'Read all audit log data',
      description: 'Allows the app to read and query your audit log activities, without a signed-in user.',
    },
    delegated: {
      id: 'e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20',
      displayName: 'Read audit log data',
      description: 'Allows the app to read and query your audit log activities, on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Reports.Read.All',
    application: {
      id: '230c1aed-a721-4c5d-9cb4-a90514e508ef',
      displayName: 'Read all usage reports',
      description: 'Allows an app to read all service usage reports without a signed-in user.',
    },
    delegated: {
      id: '02e97553-ed7b-43d0-ab3c-f8bace0d040c',
      displayName: 'Read all usage reports',
      description: 'Allows an app to read all service usage reports on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Policy.Read.All',
    application: {
      id: '246dd0d5-5bd0-4def-940b-0421030a5b68',
      displayName: "Read your organization's policies",
      description: "Allows the app to read all your organization's policies without a signed in user.",
    },
    delegated: {
      id: '572fea84-0151-49b2-9301-11cb16974376',
      displayName: "Read your organization's policies",
      description: "Allows the app to read your organization's policies on behalf of the signed-in user.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'RoleManagement.Read.Directory',
    application: {
      id: '483bed4a-2ad3-4361-a73b-c83ccdbdc53c',
      displayName: 'Read all directory RBAC settings',
      description:
        "Allows the app to read the role-based access control (RBAC) settings for your company's directory, without a signed-in user.",
    },
    delegated: {
      id: '741c54c3-0c1e-44a1-818b-3f97ab4e8c83',
      displayName: 'Read directory RBAC settings',
      description:
        "Allows the app to read the role-based access control (RBAC) settings for your company's directory, on behalf of the signed-in user.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'Contacts.Read',
    application: {
      id: '089fe4d0-434a-44c5-8827-41ba8a0b17f5',
      displayName: 'Read contacts in all mailboxes',
      description: 'Allows the app to read all contacts in all mailboxes without a signed-in user.',
    },
    delegated: {
      id: 'ff74d97f-43af-4b68-9f2a-b77ee6968c5d',
      displayName: 'Read user contacts',
      description: 'Allows the app to read user contacts.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'People.Read.All',
    application: {
      id: 'b528084d-ad10-4598-8b93-929746b4d7d6',
      displayName: "Read all users' relevant people lists",
      description: "Allows the app to read any user's scored list of relevant people, without a signed-in user.",
    },
    delegated: {
      id: 'b89f9189-71a5-4e70-b041-9887f0bc7e4a',
      displayName: "Read all users' relevant people lists",
      description:
        "Allows the app to read a scored list of relevant people of the signed-in user or other users in the signed-in user's organization.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'openid',
    application: null,
    delegated: {
      id: '37f7f235-527c-4136-accd-4a02d197296e',
      displayName: 'Sign users in',
      description:
        'Allows users to sign in to the app with their work or school accounts and allows the app to see basic user profile information.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'profile',
    application: null,
    delegated: {
      id: '14dad69e-099b-42c9-810b-d002981feec1',
      displayName: "View users' basic profile",
      description: "Allows the app to see your users' basic profile (e.g., name, picture, user name, email address)",
      adminConsentRequired: false,
    },
  },
  {
    name: 'email',
    application: null,
    delegated: {
      id: '64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0',
      displayName: "View users' email address",
      description: "Allows the app to read your users' primary email address",
      adminConsentRequired: false,
    },
  },
  {
    name: 'offline_access',
    application: null,
    delegated: {
      id: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182',
      displayName: 'Maintain access to data you have given it access to',
      description:
        'Allows the app to see and update the data you gave it access to, even when users are not currently using the app.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'User.ReadWrite',
    application: null,
    delegated: {
      id: 'b4e74841-8e56-480b-be8b-910348b18b4c',
      displayName: 'Read and write access to user profile',
      description:
        'Allows the app to read your profile. It also allows the app to update your profile information on your behalf.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'User.Create',
    application: {
      id: '4240f680-4f73-4082-a766-aa916a2dc9b3',
      displayName: 'Create users',
      description: 'Allows the app to create users, without a signed-in user.',
    },
    delegated: {
      id: 'd8ce6a2a-46ff-438e-96bc-020f23870a55',
      displayName: 'Create users',
      description: 'Allows the app to create users, on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'User.ManageIdentities.All',
    application: {
      id: 'c529cfca-c91b-489c-af2b-d92990b66ce6',
      displayName: "Manage all users' identities",
      description:
        "Allows the app to read, update and delete identities that are associated with a user's account, without a signed in user. This controls the identities users can sign-in with.",
    },
    delegated: {
      id: '637d7bec-b31e-4deb-acc9-24275642a2c9',
      displayName: 'Manage  user identities',
      description:
        "Allows the app to read, update and delete identities that are associated with a user's account that the signed-in user has access to. This controls the identities users can sign-in with.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'User.EnableDisableAccount.All',
    application: {
      id: '3011c876-62b7-4ada-afa2-506cbbecc68c',
      displayName: 'Enable and disable user accounts',
      description: "Allows the app to enable and disable users' accounts, without a signed-in user.",
    },
    delegated: {
      id: 'f92e74e7-2563-467f-9dd0-902688cb5863',
      displayName: 'Enable and disable user accounts',
      description: "Allows the app to enable and disable users' accounts, on behalf of the signed-in user.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'User.DeleteRestore.All',
    application: {
      id: 'eccc023d-eccf-4e7b-9683-8813ab36cecc',
      displayName: 'Delete and restore all users',
      description: 'Allows the app to delete and restore all users, without a signed-in user.',
    },
    delegated: {
      id: '4bb440cd-2cf2-4f90-8004-aa2acd2537c5',
      displayName: 'Delete and restore users',
      description: 'Allows the app to delete and restore all users, on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Group.Create',
    application: {
      id: 'bf7b1a76-6e77-406b-b258-bf5c7720e98f',
      displayName: 'Create groups',
      description: 'Allows the app to create groups without a signed-in user.',
    },
    delegated: null,
  },
  {
    name: 'GroupMember.ReadWrite.All',
    application: {
      id: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695',
      displayName: 'Read and write all group memberships',
      description:
        'Allows the app to list groups, read basic properties, read and update the membership of the groups this app has access to without a signed-in user. Group properties and owners cannot be updated and groups cannot be deleted.',
    },
    delegated: {
      id: 'f81125ac-d3b7-4573-a3b2-7099cc39df9e',
      displayName: 'Read and write group memberships',
      description:
        'Allows the app to list groups, read basic properties, read and update the membership of the groups the signed-in user has access to. Group properties and owners cannot be updated and groups cannot be deleted.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Organization.ReadWrite.All',
    application: {
      id: '292d869f-3427-49a8-9dab-8c70152b74e9',
      displayName: 'Read and write organization information',
      description:
        'Allows the app to read and write the organization and related resources, without a signed-in user. Related resources include things like subscribed skus and tenant branding information.',
    },
    delegated: {
      id: '46ca0847-7e6b-426e-9775-ea810a948356',
      displayName: 'Read and write organization information',
      description:
        'Allows the app to read and write the organization and related resources, on behalf of the signed-in user. Related resources include things like subscribed skus and tenant branding information.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Domain.Read.All',
    application: {
      id: 'dbb9058a-0e50-45d7-ae91-66909b5d4664',
      displayName: 'Read domains',
      description: 'Allows the app to read all domain properties without a signed-in user.',
    },
    delegated: {
      id: '2f9ee017-59c1-4f1d-9472-bd5529a7b311',
      displayName: 'Read domains.',
      description: 'Allows the app to read all domain properties on behalf of the signed-in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Domain.ReadWrite.All',
    application: {
      id: '7e05723c-0bb0-42da-be95-ae9f08a6e53c',
      displayName: 'Read and write domains',
      description:
        'Allows the app to read and write all domain properties without a signed in user.  Also allows the app to add,  verify and remove domains.',
    },
    delegated: {
      id: '0b5d694c-a244-4bde-86e6-eb5cd07730fe',
      displayName: 'Read and write domains',
      description:
        'Allows the app to read and write all domain properties on behalf of the signed-in user. Also allows the app to add, verify and remove domains.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'LicenseAssignment.Read.All',
    application: {
      id: 'e2f98668-2877-4f38-a2f4-8202e0717aa1',
      displayName: 'Read all license assignments.',
      description: 'Allows an app to read license assignments for users and groups, without a signed-in user.',
    },
    delegated: {
      id: 'f395577a-0960-456b-979f-7228de0c5996',
      displayName: 'Read all license assignments.',
      description: 'Allows an app to read license assignments for users and groups, on behalf of the signed-in user.',
      adminConsentRequired: false,
    },
  },
  {
    name: 'RoleManagement.ReadWrite.Directory',
    application: {
      id: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
      displayName: 'Read and write all directory RBAC settings',
      description:
        "Allows the app to read and manage the role-based access control (RBAC) settings for your company's directory, without a signed-in user. This includes instantiating directory roles and managing directory role membership, and reading directory role templates, directory roles and memberships.",
    },
    delegated: {
      id: 'd01b97e9-cbc0-49fe-810a-750afd5527a3',
      displayName: 'Read and write directory RBAC settings',
      description:
        "Allows the app to read and manage the role-based access control (RBAC) settings for your company's directory, on behalf of the signed-in user. This includes instantiating directory roles and managing directory role membership, and reading directory role templates, directory roles and memberships.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'Application.ReadWrite.All',
    application: {
      id: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9',
      displayName: 'Read and write all applications',
      description:
        'Allows the app to create, read, update and delete applications and service principals without a signed-in user. Allows management of app role assignments, except those exposed by Microsoft Graph. Does not allow management of delegated permission grants.',
    },
    delegated: {
      id: 'bdfbf15f-ee85-4955-8675-146e8e5296b5',
      displayName: 'Read and write applications',
      description:
        'Allows the app to create, read, update and delete applications and service principals on behalf of the signed-in user. Allows management of app role assignments, except those exposed by Microsoft Graph. Does not allow management of delegated permission grants.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Application.ReadWrite.OwnedBy',
    application: {
      id: '18a4783c-866b-4cc7-a460-3d5e5662c884',
      displayName: 'Manage apps that this app creates or owns',
      description:
        'Allows the app to create other applications, and fully manage those applications (read, update, update application secrets and delete), without a signed-in user.  It cannot update any apps that it is not an owner of.',
    },
    delegated: null,
  },
  {
    name: 'DelegatedPermissionGrant.ReadWrite.All',
    application: {
      id: '8e8e4742-1d95-4f68-9d56-6ee75648c72a',
      displayName: 'Manage all delegated permission grants',
      description:
        'Allows the app to manage permission grants for delegated permissions exposed by any API (including Microsoft Graph), without a signed-in user.',
    },
    delegated: {
      id: '41ce6ca6-6826-4807-84f1-1c82854f7ee5',
      displayName: 'Manage all delegated permission grants',
      description:
        'Allows the app to manage permission grants for delegated permissions exposed by any API (including Microsoft Graph), on behalf of the signed in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'DelegatedPermissionGrant.Read.All',
    application: {
      id: '81b4724a-58aa-41c1-8a55-84ef97466587',
      displayName: 'Read all delegated permission grants',
      description: 'Allows the app to read all delegated permission grants, without a signed-in user.',
    },
    delegated: {
      id: 'a197cdc4-a8e8-4d49-9d35-4ca7c83887b4',
      displayName: 'Read delegated permission grants',
      description: 'Allows the app to read delegated permission grants, on behalf of the signed in user.',
      adminConsentRequired: true,
    },
  },
  {
    name: 'Device.Read.All',
    application: {
      id: '7438b122-aefc-4978-80ed-43db9fcc7715',
      displayName: 'Read all devices',
      description:
        "Allows the app to read your organization's devices' configuration information without a signed-in user.",
    },
    delegated: {
      id: '951183d1-1a61-466f-a6d1-1fde911bfd95',
      displayName: 'Read all devices',
      description:
        "Allows the app to read your organization's devices' configuration information on behalf of the signed-in user.",
      adminConsentRequired: true,
    },
  },
  {
    name: 'Directory.AccessAsUser.All',
    application: null,
    delegated: {
      id: '0e263e50-5827-48a4-b97c-d940288653c7',
      displayName: 'Access directory as the signed in user',
      description: 'Allows the app to have the same access to information in the directory as the signed-in user.',
      adminConsentRequired: true,
    },
  },
];
