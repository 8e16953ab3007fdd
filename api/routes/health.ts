import type express from 'express';
import type { ApiDeps } from '../route';

export function healthRoutes(app: express.Express, deps: ApiDeps): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  /** Ready only when both dependencies answer: a load balancer should route elsewhere otherwise. */
  app.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]);
        return 'ok';
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    };
    const [database, temporal] = await Promise.all([
      check(() => deps.db.$queryRawUnsafe('SELECT 1')),
      check(() => deps.temporal.connection.workflowService.getSystemInfo({})),
    ]);
    const ready = database === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: { database, temporal } });
  });
}
