import type { RouteDef } from '../route';

export function discoveryRoutes(): RouteDef[] {
  return [];
}
