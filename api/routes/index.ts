import type { RouteDef } from '../route';
import { assetsRoutes } from './assets';
import { ciImportRoutes } from './ci-import';
import { ciRelationshipsRoutes } from './ci-relationships';
import { changeFreezeRoutes } from './change-freezes';
import { changeTemplateRoutes } from './change-templates';
import { changeRoutes } from './changes';
import { ciRoutes } from './cis';
import { dhsRoutes } from './dhs';
import { discoveryRoutes } from './discovery';
import { dslRoutes } from './dsl';
import { incidentRoutes } from './incidents';
import { problemRoutes } from './problems';
import { problemTrendRoutes } from './problem-trends';
import { releaseRoutes } from './releases';
import { slaRoutes } from './slas';
import { slaSimulationRoutes } from './sla-simulations';
import { webhookRoutes } from './webhooks';
import { groupRoutes } from './groups';
import { userRoutes } from './users';
import { eventRoutes } from './events';
import { assignmentRuleRoutes } from './assignment-rules';
import { notificationRoutes } from './notifications';
import { mailInRoutes } from './mail-in';
import { reportRoutes } from './reports';
import { reportScheduleRoutes } from './report-schedules';
import { financeRoutes } from './finance';
import { customerRoutes } from './customers';
import { feedbackRoutes } from './feedback';
import { supplierRoutes } from './suppliers';
import { contractRoutes } from './contracts';
import { securityPolicyRoutes } from './security-policies';
import { accessReviewRoutes } from './access-reviews';
import { serviceReviewRoutes } from './service-reviews';
import { continuityRoutes } from './continuity';
import { metricRoutes } from './metrics';

/** Order matters where paths overlap: fixed segments (cis/import, cis/export) before cis/:id. */
export function allRoutes(): RouteDef[] {
  return [
    ...incidentRoutes(),
    ...problemTrendRoutes(),
    ...problemRoutes(),
    ...releaseRoutes(),
    ...slaRoutes(),
    ...slaSimulationRoutes(),
    ...ciImportRoutes(),
    ...ciRoutes(),
    ...ciRelationshipsRoutes(),
    ...assetsRoutes(),
    ...dhsRoutes(),
    ...discoveryRoutes(),
    ...changeRoutes(),
    ...changeTemplateRoutes(),
    ...changeFreezeRoutes(),
    ...webhookRoutes(),
    ...dslRoutes(),
    ...userRoutes(),
    ...groupRoutes(),
    ...eventRoutes(),
    ...assignmentRuleRoutes(),
    ...notificationRoutes(),
    ...mailInRoutes(),
    ...reportRoutes(),
    ...reportScheduleRoutes(),
    ...financeRoutes(),
    ...customerRoutes(),
    ...feedbackRoutes(),
    ...supplierRoutes(),
    ...contractRoutes(),
    ...securityPolicyRoutes(),
    ...accessReviewRoutes(),
    ...serviceReviewRoutes(),
    ...continuityRoutes(),
    ...metricRoutes(),
  ];
}
