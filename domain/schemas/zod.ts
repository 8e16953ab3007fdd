import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// zod 4 attaches methods per instance, so `.openapi` must exist before any schema is built:
// every schema module imports z from here.
extendZodWithOpenApi(z);

/**
 * At most `maximum` characters, counted as JSON Schema counts a string's length: in code points.
 * zod's own `.max` counts UTF-16 code units, so a string of emoji within the documented
 * `maxLength` would be refused (each astral character counts twice). Documented as `maxLength`
 * (it sets the same bag entry `.max` does, which zod-to-openapi reads), reported as zod's own
 * `too_big` issue.
 */
const $ZodCheckMaxChars = z.core.$constructor<z.core.$ZodCheck<string>, z.core.$ZodCheckMaxLengthDef>('$ZodCheckMaxChars', (inst, def) => {
  z.core.$ZodCheck.init(inst, def);
  inst._zod.onattach.push((schema) => {
    const bag = schema._zod.bag as { maximum?: number };
    if (def.maximum < (bag.maximum ?? Number.POSITIVE_INFINITY)) bag.maximum = def.maximum;
  });
  inst._zod.check = (payload) => {
    const input = payload.value;
    // Only a string longer in code units can be too long in code points.
    if (typeof input !== 'string' || input.length <= def.maximum) return;
    let n = 0;
    for (const _ of input) if (++n > def.maximum) break;
    if (n <= def.maximum) return;
    payload.issues.push({ origin: 'string', code: 'too_big', maximum: def.maximum, inclusive: true, input, inst, continue: !def.abort });
  };
});

declare module 'zod' {
  interface ZodString {
    /** At most `maximum` characters in code points, as the OpenAPI document's `maxLength` counts them (use instead of `.max`). */
    maxChars(maximum: number): this;
  }
}

if (typeof (z.ZodString.prototype as { maxChars?: unknown }).maxChars === 'undefined') {
  // On the prototype, as zod-to-openapi adds `.openapi`: zod 4 gives each instance its own methods, none named maxChars, so every string schema (and each clone a check makes) finds it here.
  (z.ZodString.prototype as { maxChars: (this: z.ZodString, maximum: number) => z.ZodString }).maxChars = function (maximum) {
    // First of the string's checks, wherever the chain says it: `maxLength` limits the string as
    // sent, so a `.trim()` written before it must not let a longer one through (20,001 characters
    // with a leading space would pass as 20,000).
    const def = this._zod.def;
    return this.clone(z.core.util.mergeDefs(def, { checks: [new $ZodCheckMaxChars({ check: 'max_length', maximum }), ...(def.checks ?? [])] }));
  };
}

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
