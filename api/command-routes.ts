import { getOpenApiMetadata } from '@asteasolutions/zod-to-openapi';
import { ZodObject, type z } from 'zod';
import type { Db } from '../db/client';
import type { Principal, Role } from '../domain/access';
import type { CommandInput } from '../workflows/contracts/record';
import { TimeSpent } from '../domain/schemas/finance';
import { conflict } from './errors';
import { route, type ApiDeps, type RouteDef } from './route';
import { commandError } from './temporal-errors';
import { toStartedRecord } from '../temporal/record-starts';

/** What a record's row must tell the API to route a command to its workflow. */
interface CommandTarget {
  workflowId: string;
  number: string;
  state: string;
}

/**
 * Every record process's commands, one route each: `POST <path>/:id/<verb>` validates the
 * body, refuses a record already ended (409, without a round trip to a finished workflow),
 * sends the Update and maps what the workflow answers (contract FAILURE types) to HTTP.
 */
export interface CommandRoutes<N extends string, Row extends CommandTarget> {
  /** 'incident', 'change', … as the messages name it. */
  recordType: string;
  tag: string;
  /** The record's path with its `:id` parameter, e.g. `/api/v1/incidents/:id`. */
  path: string;
  bodies: Record<N, z.ZodType>;
  roles: Record<N, readonly Role[]>;
  /** The contract's Update per command (its name is what is sent). */
  updates: Record<N, { name: string }>;
  response: z.ZodType;
  /** The row by id or number, as far as this caller may see it; throws the API's 404 when there is none. */
  find(db: Db, ref: string, user: Principal): Promise<Row>;
  isTerminal(state: string): boolean;
  /** The Update's payload where the workflow needs references resolved (default: the body). */
  payload?(deps: ApiDeps, row: Row, verb: N, body: unknown, user: Principal): unknown;
  /** What the workflow answered, as the API shows it (default: as it is). */
  present?(deps: ApiDeps, answer: unknown): Promise<unknown>;
}

/**
 * Every command's body also takes `timeSpent` (minutes of work logged with it, for labour
 * cost): added here once, for every process, and carried beside the body to the kernel, which
 * writes it on the audit entry of the transition the command makes. The process never sees it.
 */
function withTimeSpent(body: z.ZodType): z.ZodType {
  if (!(body instanceof ZodObject)) return body;
  // Extending makes a new schema without the document's metadata (e.g. `anyOf: group or
  // assignee`), which the refinements it keeps still enforce: carry it over, or the document
  // would promise that `{}` is a valid body.
  const { refId: _refId, ...meta } = getOpenApiMetadata(body) as Record<string, unknown>;
  const extended = body.safeExtend({ timeSpent: TimeSpent.optional() });
  return Object.keys(meta).length > 0 ? extended.openapi(meta) : extended;
}

export function commandRoutes<N extends string, Row extends CommandTarget>(spec: CommandRoutes<N, Row>): RouteDef[] {
  return (Object.keys(spec.bodies) as N[]).map((verb) =>
    route({
      method: 'post',
      path: `${spec.path}/${verb}`,
      summary: `${spec.tag.replace(/s$/, '')} command: ${verb}`,
      tag: spec.tag,
      roles: spec.roles[verb],
      body: withTimeSpent(spec.bodies[verb]),
      response: spec.response,
      async handler({ params, body: withTime, user, deps }) {
        const { timeSpent, ...body } = withTime as { timeSpent?: number };
        const row = await spec.find(deps.db, params.id, user);
        if (spec.isTerminal(row.state)) throw conflict(`cannot ${verb} a ${spec.recordType} in state '${row.state}'`);
        const payload = spec.payload ? await spec.payload(deps, row, verb, body, user) : body;
        const send = () => deps.temporal.workflow.getHandle(row.workflowId).executeUpdate(spec.updates[verb].name, { args: [{ actor: user.id, body: payload, ...(timeSpent !== undefined ? { timeSpent } : {}) } satisfies CommandInput<unknown>] });
        let answer: unknown;
        try {
          // A record written before its workflow runs (temporal/record-starts.ts): the first command may get there first and starts it.
          answer = await toStartedRecord(deps, row.workflowId, send);
        } catch (e) {
          throw commandError(e, `${spec.recordType} ${row.number}`);
        }
        return spec.present ? spec.present(deps, answer) : answer;
      },
    }),
  );
}
