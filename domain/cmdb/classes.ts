import { z } from '../schemas/zod';
import { CI_CLASSES } from '../schemas/ci';

type CiClassName = (typeof CI_CLASSES)[number];

const str = (max = 200) => z.string().trim().min(1).maxChars(max);
const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, 'must be an IPv4 address');
const criticality = z.enum(['low', 'medium', 'high', 'critical']);

/**
 * Attribute schema per CI class. Attributes a class does not list are refused, so a typo
 * is a 400 rather than silent junk; every attribute is optional unless marked.
 */
export const CI_ATTRIBUTE_SCHEMAS = {
  service: z.object({ criticality: criticality.optional(), ownerGroup: str(100).optional(), description: str(2000).optional() }).strict(),
  application: z.object({ vendor: str().optional(), version: str(50).optional(), url: z.url().optional() }).strict(),
  software: z.object({ vendor: str().optional(), version: str(50).optional(), licence: str().optional() }).strict(),
  server: z.object({ hostname: str(253).optional(), ip: ipv4.optional(), os: str().optional(), cpuCores: z.number().int().positive().optional(), memoryGb: z.number().positive().optional(), serial: str().optional() }).strict(),
  virtual_machine: z.object({ hostname: str(253).optional(), ip: ipv4.optional(), os: str().optional(), cpuCores: z.number().int().positive().optional(), memoryGb: z.number().positive().optional(), hypervisor: str().optional() }).strict(),
  database: z.object({ engine: str().optional(), version: str(50).optional(), sizeGb: z.number().nonnegative().optional() }).strict(),
  network_device: z.object({ hostname: str(253).optional(), ip: ipv4.optional(), model: str().optional(), ports: z.number().int().positive().optional(), serial: str().optional() }).strict(),
  storage: z.object({ model: str().optional(), capacityTb: z.number().positive().optional(), raid: str(20).optional(), serial: str().optional() }).strict(),
  desktop: z.object({ hostname: str(253).optional(), os: str().optional(), assetTag: str(50).optional(), user: str().optional(), serial: str().optional() }).strict(),
  mobile_device: z.object({ imei: z.string().regex(/^\d{15}$/, 'must be 15 digits').optional(), model: str().optional(), user: str().optional(), phoneNumber: str(30).optional() }).strict(),
  document: z.object({ url: z.url().optional(), documentVersion: str(50).optional(), owner: str().optional() }).strict(),
  environment: z.object({ purpose: str().optional(), region: str(50).optional() }).strict(),
  hardware: z.object({ model: str().optional(), serial: str().optional(), assetTag: str(50).optional() }).strict(),
  telecom_service: z.object({ provider: str().optional(), circuitId: str().optional(), bandwidthMbps: z.number().positive().optional() }).strict(),
  supplier: z.object({ website: z.url().optional(), country: str(100).optional() }).strict(),
  protocol: z.object({ port: z.number().int().min(0).max(65535).optional(), transport: z.enum(['tcp', 'udp', 'sctp']).optional(), standard: str().optional() }).strict(),
} satisfies Record<CiClassName, z.ZodType>;

/** Which attribute identifies a CI of a class in the real world (what discovery reports). */
const KEY_ATTRIBUTE: Partial<Record<CiClassName, string>> = {
  server: 'hostname',
  virtual_machine: 'hostname',
  network_device: 'hostname',
  desktop: 'hostname',
  mobile_device: 'imei',
  storage: 'serial',
  hardware: 'serial',
};

/**
 * The natural key imports and discovery match on: `<class>:<key attribute>` where the
 * class has one and it is set, else `<class>:<name>`. Case-insensitive.
 */
export function naturalKeyOf(ci: { class: string; name: string; attributes: Record<string, unknown> }): string {
  const attr = KEY_ATTRIBUTE[ci.class as CiClassName];
  const value = attr ? ci.attributes[attr] : undefined;
  return `${ci.class}:${String(typeof value === 'string' && value ? value : ci.name).toLowerCase()}`;
}

export function attributeSchemaOf(cls: string): z.ZodType | undefined {
  return (CI_ATTRIBUTE_SCHEMAS as Record<string, z.ZodType>)[cls];
}
