import { z } from 'zod';
import type { DomainCommand } from '../shared/decider.js';
import { dataRegionField, nameField, reasonField, tenantIdField } from '../shared/fields.js';

/** Command data schemas (strict: unknown fields are rejected). HTTP bodies reuse them. */
export const RegisterTenantData = z.strictObject({ tenantId: tenantIdField, name: nameField, dataRegion: dataRegionField.default('global') });
export const RenameTenantData = z.strictObject({ tenantId: tenantIdField, name: nameField });
export const SetTenantDataRegionData = z.strictObject({ tenantId: tenantIdField, dataRegion: dataRegionField });
export const SuspendTenantData = z.strictObject({ tenantId: tenantIdField, reason: reasonField });
export const ReactivateTenantData = z.strictObject({ tenantId: tenantIdField });
export const CloseTenantData = z.strictObject({ tenantId: tenantIdField, reason: reasonField });
/** Whether the tenant's prompt and completion texts are stored on its inference events (a content hash always is). */
export const SetTenantContentRetentionData = z.strictObject({ tenantId: tenantIdField, storeContent: z.boolean() });

export type TenantCommand =
  | DomainCommand<'RegisterTenant', z.infer<typeof RegisterTenantData>>
  | DomainCommand<'RenameTenant', z.infer<typeof RenameTenantData>>
  | DomainCommand<'SetTenantDataRegion', z.infer<typeof SetTenantDataRegionData>>
  | DomainCommand<'SuspendTenant', z.infer<typeof SuspendTenantData>>
  | DomainCommand<'ReactivateTenant', z.infer<typeof ReactivateTenantData>>
  | DomainCommand<'CloseTenant', z.infer<typeof CloseTenantData>>
  | DomainCommand<'SetTenantContentRetention', z.infer<typeof SetTenantContentRetentionData>>;
