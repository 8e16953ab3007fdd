import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startStack, type Stack } from './stack';
import { startDevServer } from './temporal';

/** The Temporal dev server one HTTP test file shares between its stacks (set in its beforeAll). */
export interface DevServerBed {
  readonly env: TestWorkflowEnvironment;
}

/** Starts the dev server before the file's tests and stops it after them; call at the top level. */
export function useDevServer(): DevServerBed {
  const bed = {} as { env: TestWorkflowEnvironment };
  beforeAll(async () => {
    bed.env = await startDevServer();
  });
  afterAll(async () => {
    await bed.env?.teardown();
  });
  return bed;
}

/**
 * A stack on `provider` for the tests of one `describe` (started before them, closed after), on
 * the file's dev server. The answer stands for the stack once started: reading it earlier is a
 * mistake in the test and throws.
 */
export function useStack(provider: 'sqlite' | 'postgres', server: DevServerBed, options: Omit<Parameters<typeof startStack>[0], 'provider' | 'env'> = {}): Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack({ ...options, provider, env: server.env });
  });
  afterAll(async () => {
    await stack?.close();
  });
  return new Proxy({} as Stack, {
    get(_, key) {
      if (!stack) throw new Error(`the ${provider} stack is not started yet`);
      const value = stack[key as keyof Stack];
      return typeof value === 'function' ? value.bind(stack) : value;
    },
  });
}

/** The field paths a problem+json 400 names, sorted. */
export const errorPaths = (body: { errors?: { path: string }[] }) => (body.errors ?? []).map((e) => e.path).sort();
