/** Microsoft Graph's application ID: the resource every permission below belongs to. */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * Microsoft Graph permission IDs as Graph's service principal publishes them (appRoles for application,
 * oauth2PermissionScopes for delegated). Only the permissions the features name; the registry's test checks that
 * every one they name is here.
 */
export const GRAPH_PERMISSION_IDS: Readonly<Record<string, { application?: string; delegated?: string }>> = {
  openid: { delegated: '37f7f235-527c-4136-accd-4a02d197296e' },
  profile: { delegated: '14dad69e-099b-42c9-810b-d002981feec1' },
  offline_access: { delegated: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182' },
  'User.Read': { delegated: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d' },
  'User.ReadBasic.All': {
    application: '97235f07-e226-4f63-ace3-39588e11d3a1',
    delegated: 'b340eb25-3456-403f-be2f-af7a0d370277',
  },
  'User.Read.All': {
    application: 'df021288-bdef-4463-88db-98f22de89214',
    delegated: 'a154be20-db9c-4678-8ab7-66f6cc099a59',
  },
  'User.ReadWrite.All': {
    application: '741f803b-c850-494e-b5df-cde7c675a1ca',
    delegated: '204e0828-b5ca-4ad8-b9f3-f32a958e7cc4',
  },
  'GroupMember.Read.All': {
    application: '98830695-27a2-44f7-8c18-0c3ebc9698f6',
    delegated: 'bc024368-1153-4739-b217-4326f2e966d0',
  },
  'GroupMember.ReadWrite.All': {
    application: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695',
    delegated: 'f81125ac-d3b7-4573-a3b2-7099cc39df9e',
  },
  'Group.Read.All': {
    application: '5b567255-7703-4780-807c-7be8301ae99b',
    delegated: '5f8c59db-677d-491f-a6b8-5f174b11ec1d',
  },
  'Group.ReadWrite.All': {
    application: '62a82d76-70ea-41e2-9197-370581804d09',
    delegated: '4e46008b-f24c-477d-8fff-7bb4ec7aafe0',
  },
  'Directory.Read.All': {
    application: '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
    delegated: '06da0dbc-49e2-44d2-8312-53f166ab848a',
  },
  'Directory.ReadWrite.All': {
    application: '19dbc75e-c2e2-444c-a770-ec69d8559fc7',
    delegated: 'c5366453-9fb0-48a5-a156-24f0c49a4b84',
  },
  'Calendars.Read': {
    application: '798ee544-9d2d-430c-a058-570e29e34338',
    delegated: '465a38f9-76ea-45b9-9f34-9e8b0d4b0b42',
  },
  'Calendars.ReadWrite': {
    application: 'ef54d2bf-783f-4e0f-bca1-3210c0444d99',
    delegated: '1ec239c2-d7c9-4623-a91a-a9775856bb36',
  },
  'Calendars.Read.Shared': { delegated: '2b9c4092-424d-4249-948d-b43879977640' },
  'Calendars.ReadWrite.Shared': { delegated: '12466101-c9b8-439a-8589-dd09ee67e8e9' },
  'Mail.Read': {
    application: '810c84a8-4a9e-49e6-bf7d-12d183f40d01',
    delegated: '570282fd-fa5c-430d-a7fd-fc8dc98a9dca',
  },
  'Mail.ReadWrite': {
    application: 'e2a3a72e-5f79-4c64-b1b1-878b674786c9',
    delegated: '024d486e-b451-40bb-833d-3e66d98c5c73',
  },
  'Mail.Send': {
    application: 'b633e1c5-b582-4048-a93e-9f11b44c7e96',
    delegated: 'e383f46e-2787-4529-855e-0e479a3ffac0',
  },
  'Mail.Read.Shared': { delegated: '7b9103a5-4610-446b-9670-80643382c1fa' },
  'Mail.ReadWrite.Shared': { delegated: '5df07973-7d5d-46ed-9847-1271055cbd51' },
  'Presence.Read.All': {
    application: 'a70e0c2d-e793-494c-94c4-118fa0a67f42',
    delegated: '9c7a330d-35b3-4aa1-963d-cb2b9f927841',
  },
  'Presence.ReadWrite': { delegated: '8d3c54a7-cf58-4773-bf81-c0cd6ad522bb' },
  'Presence.ReadWrite.All': { application: '83cded22-8297-4ff6-a7fa-e97e9545a259' },
  'Files.ReadWrite.All': {
    application: '75359482-378d-4052-8f01-80520e7db3cd',
    delegated: '863451e7-0667-486c-a5d6-d135439485f0',
  },
  'Sites.ReadWrite.All': {
    application: '9492366f-7969-46a4-8d15-ed1a20078fff',
    delegated: '89fe6a52-be36-487e-b7d8-d061c450a026',
  },
  'AuditLog.Read.All': {
    application: 'b0afded3-3588-46d8-8b3d-9842eff778da',
    delegated: 'e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20',
  },
  'Reports.Read.All': {
    application: '230c1aed-a721-4c5d-9cb4-a90514e508ef',
    delegated: '02e97553-ed7b-43d0-ab3c-f8bace0d040c',
  },
  'Policy.Read.All': {
    application: '246dd0d5-5bd0-4def-940b-0421030a5b68',
    delegated: '572fea84-0151-49b2-9301-11cb16974376',
  },
  'SharePointTenantSettings.Read.All': {
    application: '83d4163d-a2d8-4d3b-9695-4ae3ca98f888',
    delegated: '2ef70e10-5bfd-4ede-a5f6-67720500b258',
  },
  'SharePointTenantSettings.ReadWrite.All': {
    application: '19b94e34-907c-4f43-bde9-38b1909ed408',
    delegated: 'aa07f155-3612-49b8-a147-6c590df35536',
  },
};
