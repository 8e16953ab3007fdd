import type { RouteDef } from '../route';

export function ciRelationshipsRoutes(): RouteDef[] {
  return [];
}
