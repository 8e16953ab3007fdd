import type { ChangeTemplate } from '../generated/prisma-sqlite/client';
import { z } from 'zod';
import type { Db } from './client';
import { parseJson } from './json';

/** A standard change template as the API shows it (its CI classes are stored as JSON). */
export function templateView(t: ChangeTemplate) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    implementationPlan: t.implementationPlan,
    backoutPlan: t.backoutPlan,
    ciClasses: parseJson(z.array(z.string()), t.ciClasses, { recordType: 'changeTemplate', recordId: t.id, field: 'ciClasses' }),
    maxDuration: t.maxDuration,
    active: t.active,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
  };
}

/** By id or by (unique) name. */
export const findTemplate = (db: Db, ref: string) => db.changeTemplate.findFirst({ where: { OR: [{ id: ref }, { name: ref }] } });

