import type { RouteDef } from '../route';
import { ciRoutes } from './cis';
import { incidentRoutes } from './incidents';
import { slaRoutes } from './slas';
import { webhookRoutes } from './webhooks';

export function allRoutes(): RouteDef[] {
  return [...incidentRoutes(), ...slaRoutes(), ...ciRoutes(), ...webhookRoutes()];
}
