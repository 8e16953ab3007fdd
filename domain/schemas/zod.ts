import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod 4 attaches methods per instance, so `.openapi` must exist before any schema is built:
// every schema module imports z from here.
extendZodWithOpenApi(z);

export { z };

type SameKeys<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false;

/**
 * Compile-time proof that a hand-written domain type and the schema that validates it when it
 * is read back from storage describe the same data: every value of the type passes the schema
 * (input side), every value the schema accepts is one (output side), and neither has a field
 * the other lacks (an optional field the schema did not know would be stripped on read).
 * `true satisfies Agree<Domain, typeof Schema>;` stops compiling when either side drifts.
 */
export type Agree<Domain, S extends z.ZodType> = [z.output<S>] extends [Domain] ? ([Domain] extends [z.input<S>] ? SameKeys<Domain, z.output<S>> : false) : false;
