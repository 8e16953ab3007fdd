import { z } from './zod';

export const CI_CLASSES = [
  'service', 'application', 'software', 'server', 'virtual_machine', 'database', 'network_device', 'storage',
  'desktop', 'mobile_device', 'document', 'environment', 'hardware', 'telecom_service', 'protocol',
] as const;
export const CI_STATUSES = ['planned', 'ordered', 'in_build', 'live', 'maintenance', 'in_store', 'retired'] as const;

export const CiClass = z.enum(CI_CLASSES);
export const CiStatus = z.enum(CI_STATUSES);

export const CreateCiBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    class: CiClass,
    status: CiStatus.default('live'),
    environment: z.string().max(50).optional(),
    ownerGroup: z.string().max(100).optional(),
    attributes: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type CreateCiBody = z.infer<typeof CreateCiBody>;

export const CiListQuery = z.object({
  class: CiClass.optional(),
  status: CiStatus.optional(),
  q: z.string().max(200).optional(),
});

export const CiRecord = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  class: CiClass,
  status: CiStatus,
  environment: z.string().nullable(),
  ownerGroup: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CiRecord = z.infer<typeof CiRecord>;
