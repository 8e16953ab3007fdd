import type { RouteDef } from '../route';

export function assetsRoutes(): RouteDef[] {
  return [];
}
