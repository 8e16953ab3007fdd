import type { RouteDef } from '../route';

export function dhsRoutes(): RouteDef[] {
  return [];
}
