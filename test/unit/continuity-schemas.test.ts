/** The continuity plan request bodies: what a plan must state, and what is refused. */
import { ContinuityPlanQuery, CreateContinuityPlanBody, UpdateContinuityPlanBody } from '../../domain/schemas/continuity';

const plan = {
  serviceId: 'CI-1', name: 'Payments DR', rtoMinutes: 60, rpoMinutes: 15, ownerGroup: 'dba',
  steps: [{ title: 'Fail over DB', group: 'dba', durationMinutes: 40 }],
};

describe('continuity plan schemas', () => {
  it('accepts a plan and defaults the test interval and step instructions', () => {
    const p = CreateContinuityPlanBody.parse(plan);
    expect(p.testIntervalDays).toBe(182);
    expect(p.steps[0].instructions).toBe('');
  });
  it('refuses a plan without steps, naming steps', () => {
    const r = CreateContinuityPlanBody.safeParse({ ...plan, steps: [] });
    expect(r.success).toBe(false);
    expect(!r.success && r.error.issues[0].path).toEqual(['steps']);
  });
  it('refuses a non-positive RTO and unknown fields', () => {
    expect(CreateContinuityPlanBody.safeParse({ ...plan, rtoMinutes: 0 }).success).toBe(false);
    expect(CreateContinuityPlanBody.safeParse({ ...plan, extra: 1 }).success).toBe(false);
  });
  it('lets an update clear the test cron and refuses an unknown field', () => {
    expect(UpdateContinuityPlanBody.parse({ testCron: null }).testCron).toBeNull();
    expect(UpdateContinuityPlanBody.safeParse({ serviceId: 'CI-2' }).success).toBe(false);
  });
  it('takes overdue only as true or false', () => {
    expect(ContinuityPlanQuery.safeParse({ overdue: 'yes' }).success).toBe(false);
    expect(ContinuityPlanQuery.parse({ overdue: 'true' }).overdue).toBe('true');
  });
});
