import { findTemplate, templateView } from '../db/change-template-store';
import { CiValidationError, findCi, mergeAttributes, validateAttributes } from '../db/ci-store';
import type { Db } from '../db/client';
import { findProblem } from '../db/problem-store';
import { ciAttributesOf } from '../db/columns';
import { parseIsoDuration } from '../domain/duration';
import type { CreateChangeBody } from '../domain/schemas/change';
import type { SubmitChange } from '../workflows/contracts/change';
import { ValidationFailed, type FieldIssue } from './errors';

/** CI references, CMDB updates and the template, checked and resolved; every bad field named. */
export async function resolveSubmission(db: Db, body: CreateChangeBody): Promise<SubmitChange> {
  const errors: FieldIssue[] = [];
  const now = Date.now();
  if (Date.parse(body.plannedEnd) <= now) errors.push({ path: 'plannedEnd', message: 'must be in the future' });
  const cis = await Promise.all(body.ciIds.map((ref) => findCi(db, ref)));
  cis.forEach((ci, i) => {
    if (!ci) errors.push({ path: `ciIds.${i}`, message: `no configuration item ${body.ciIds[i]}` });
    else if (ci.status === 'retired') errors.push({ path: `ciIds.${i}`, message: `${ci.number} is retired` });
  });
  const ciIds = [...new Set(cis.flatMap((ci) => (ci ? [ci.id] : [])))];
  const ciUpdates: SubmitChange['ciUpdates'] = [];
  for (const [i, u] of body.ciUpdates.entries()) {
    const ci = await findCi(db, u.ciId);
    if (!ci) {
      errors.push({ path: `ciUpdates.${i}.ciId`, message: `no configuration item ${u.ciId}` });
      continue;
    }
    if (!ciIds.includes(ci.id)) errors.push({ path: `ciUpdates.${i}.ciId`, message: `${ci.number} is not among the change's ciIds` });
    if (u.attributes) {
      try {
        validateAttributes(ci.class, mergeAttributes(ciAttributesOf(ci), u.attributes as Record<string, unknown | null>));
      } catch (e) {
        if (!(e instanceof CiValidationError)) throw e;
        errors.push(...e.errors.map((x) => ({ path: `ciUpdates.${i}.${x.path}`, message: x.message })));
      }
    }
    ciUpdates.push({ ciId: ci.id, ...(u.attributes ? { attributes: u.attributes } : {}), ...(u.status ? { status: u.status } : {}) });
  }
  let implementationPlan = body.implementationPlan;
  let backoutPlan = body.backoutPlan;
  let templateId: string | undefined;
  if (body.templateId) {
    const t = await findTemplate(db, body.templateId);
    if (!t) errors.push({ path: 'templateId', message: `no change template ${body.templateId}` });
    else if (!t.active) errors.push({ path: 'templateId', message: `template '${t.name}' is not active` });
    else {
      const view = templateView(t);
      templateId = t.id;
      implementationPlan ??= view.implementationPlan;
      backoutPlan ??= view.backoutPlan;
      if (view.ciClasses.length) {
        cis.forEach((ci, i) => {
          if (ci && !view.ciClasses.includes(ci.class)) errors.push({ path: `ciIds.${i}`, message: `template '${t.name}' covers ${view.ciClasses.join(', ')}, not ${ci.class}` });
        });
      }
      if (view.maxDuration && Date.parse(body.plannedEnd) - Date.parse(body.plannedStart) > parseIsoDuration(view.maxDuration)) {
        errors.push({ path: 'plannedEnd', message: `template '${t.name}' pre-approves windows of at most ${view.maxDuration}` });
      }
    }
  }
  let problem: { id: string; number: string } | null = null;
  if (body.problemId) {
    problem = await findProblem(db, body.problemId);
    if (!problem) errors.push({ path: 'problemId', message: `no problem ${body.problemId}` });
  }
  if (errors.length) throw new ValidationFailed('the change request is invalid', errors);
  return {
    title: body.title,
    ...(body.description !== undefined ? { description: body.description } : {}),
    type: body.type,
    ciIds,
    plannedStart: new Date(body.plannedStart).toISOString(),
    plannedEnd: new Date(body.plannedEnd).toISOString(),
    implementationPlan: implementationPlan as string,
    backoutPlan: backoutPlan as string,
    ...(problem ? { problemId: problem.id, problemNumber: problem.number } : {}),
    ...(templateId ? { templateId } : {}),
    ciUpdates,
  };
}
