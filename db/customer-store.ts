/** Business relationship management's rows as the API shows them. */
import type { Customer, CustomerContact, Subscription } from '../generated/prisma-sqlite/client';

export const customerView = (c: Customer) => ({
  id: c.id,
  number: c.number,
  name: c.name,
  accountManager: c.accountManager,
  reviewCron: c.reviewCron,
  retiredAt: c.retiredAt?.toISOString() ?? null,
  createdBy: c.createdBy,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export const contactView = (c: CustomerContact) => ({ id: c.id, customerId: c.customerId, name: c.name, email: c.email, userId: c.userId, createdAt: c.createdAt.toISOString() });

export const subscriptionView = (s: Subscription) => ({
  id: s.id,
  customerId: s.customerId,
  serviceId: s.serviceId,
  slaId: s.slaId,
  monthlyCharge: s.monthlyCharge,
  since: s.since.toISOString(),
  until: s.until?.toISOString() ?? null,
  createdAt: s.createdAt.toISOString(),
});
