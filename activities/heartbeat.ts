import { Context } from '@temporalio/activity';

/**
 * Tells the server a long activity is alive, so a dead worker is noticed within the
 * heartbeat timeout instead of the whole start-to-close timeout. Outside an activity (a
 * test calling the function directly) it does nothing.
 */
export function beat(details?: unknown): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  ctx.heartbeat(details);
}
