import type { RouteDef } from '../route';

export function ciImportRoutes(): RouteDef[] {
  return [];
}
