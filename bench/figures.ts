/**
 * The headline figures of a bench run under stable names (bench/results/latest.json), each
 * product figure also as a ratio to what the engine alone does on the same server and
 * process, with the targets of the kernel work beside them.
 */
import { round } from './support';

interface Meter {
  wallS: number;
  nodeCpuS: number;
  serverCpuS: number;
  loadAvg1m: number;
}

const cpuMs = (m: Meter | undefined) => (m ? (m.nodeCpuS + m.serverCpuS) * 1000 : NaN);
const ratio = (a: number | undefined, b: number | undefined, d = 3) => (a !== undefined && b !== undefined && b > 0 ? round(a / b, d) : null);

export const TARGETS = {
  lifecycle_ratio_to_floor: { atLeast: 0.6 },
  command_p50_ratio_to_bare_update: { atMost: 1.5 },
  create_p99_ms_at_30_per_s: { atMost: 50 },
  create_backlog_drained_s: { atMost: 10 },
  sla_lateness_p99_ms_10k: { atMost: 1000 },
} as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the run's summary is an open record of phases
export function kernelFigures(s: Record<string, any>) {
  const sla = (s.sla ?? []).at(-1);
  const before = s.baselineBefore?.workflowsPerS as number | undefined;
  const after = s.baselineAfter?.workflowsPerS as number | undefined;
  const cpuPerLifecycle = s.lifecycle ? cpuMs(s.lifecycle.meter) / s.lifecycle.completed : undefined;
  const cpuPerBaseline = s.baseline ? cpuMs(s.baseline.meter) / (s.baseline.workflows - s.baseline.failed) : undefined;
  const f = {
    baseline_per_s: s.baseline?.workflowsPerS ?? null,
    baseline_per_s_before: before ?? null,
    baseline_per_s_after: after ?? null,
    baseline_drift_flag: before !== undefined && after !== undefined ? Math.abs(after - before) / before > 0.1 : null,
    bare_update_p50_ms: s.bare?.updateMs.p50 ?? null,
    bare_update_p99_ms: s.bare?.updateMs.p99 ?? null,
    // Reported beside the target's ratio: a bare Update on each of 200 workflows in turn, as the commands reach theirs.
    bare_update_spread_p50_ms: s.bare?.updateSpreadMs?.p50 ?? null,
    bare_update_with_start_p50_ms: s.bare?.updateWithStartMs.p50 ?? null,
    floor_lifecycles_per_s: s.bare?.floorLifecyclesPerS ?? null,
    lifecycle_per_s: s.lifecycle?.incidentsPerS ?? null,
    lifecycle_ratio_to_floor: ratio(s.lifecycle?.incidentsPerS, s.bare?.floorLifecyclesPerS),
    command_p50_ms: s.latency?.commandMs.p50 ?? null,
    command_p99_ms: s.latency?.commandMs.p99 ?? null,
    command_p50_ratio_to_bare_update: ratio(s.latency?.commandMs.p50, s.bare?.updateMs.p50),
    command_p50_ratio_to_bare_update_spread: ratio(s.latency?.commandMs.p50, s.bare?.updateSpreadMs?.p50),
    notes_p50_ms: s.latency?.commandMsByVerb?.notes.p50 ?? null,
    assign_p50_ms: s.latency?.commandMsByVerb?.assign.p50 ?? null,
    // Where a command's time goes: the same note sent straight to the workflow (no HTTP, no API).
    command_direct_update_p50_ms: s.latency?.directUpdateMs?.p50 ?? null,
    command_direct_update_p50_ratio_to_bare_update: ratio(s.latency?.directUpdateMs?.p50, s.bare?.updateMs.p50),
    create_p50_ms_sequential: s.latency?.createMs.p50 ?? null,
    create_p50_ms_at_30_per_s: s.openLoop?.latencyMs.p50 ?? null,
    create_p99_ms_at_30_per_s: s.openLoop?.latencyMs.p99 ?? null,
    create_failed_at_30_per_s: s.openLoop?.failed ?? null,
    create_backlog_drained_s: s.openLoop?.backlogDrainedS ?? null,
    sla_lateness_open: sla?.openIncidents ?? null,
    sla_lateness_target_open: sla?.targetIncidents ?? null,
    sla_lateness_p50_ms_10k: sla?.latenessMs.p50 ?? null,
    sla_lateness_p99_ms_10k: sla?.latenessMs.p99 ?? null,
    sla_lateness_split_p99_ms: sla
      ? {
          timer_set_late: sla.latenessSplitSample.timerSetLateMs.p99,
          server_delay: sla.latenessSplitSample.serverTimerDelayMs.p99,
          worker_time: sla.latenessSplitSample.workerAuditMinusTimerFiredMs.p99,
        }
      : null,
    cpu_per_lifecycle_ms: cpuPerLifecycle !== undefined ? round(cpuPerLifecycle, 1) : null,
    cpu_per_baseline_workflow_ms: cpuPerBaseline !== undefined ? round(cpuPerBaseline, 1) : null,
    cpu_per_lifecycle_ratio_to_baseline: ratio(cpuPerLifecycle, cpuPerBaseline, 2),
    phases: Object.fromEntries(
      (
        [
          ['baseline-before', s.baselineBefore?.meter],
          ['bare', s.bare?.meter],
          ['lifecycle', s.lifecycle?.meter],
          ['baseline', s.baseline?.meter],
          ['latency', s.latency?.meter],
          ['openloop', s.openLoop?.meter],
          ['baseline-after', s.baselineAfter?.meter],
          ...((s.sla ?? []) as { targetIncidents: number; create: { meter: Meter }; fireMeter: Meter }[]).flatMap((r) => [
            [`sla-${r.targetIncidents}-create`, r.create.meter],
            [`sla-${r.targetIncidents}-fire`, r.fireMeter],
          ]),
        ] as [string, Meter | undefined][]
      )
        .filter(([, m]) => m)
        .map(([name, m]) => [name, { load1: (m as Meter).loadAvg1m, cpu_ms: round(cpuMs(m)), wall_ms: round((m as Meter).wallS * 1000) }]),
    ),
  };
  const met = Object.fromEntries(
    Object.entries(TARGETS).map(([k, t]) => {
      const v = f[k as keyof typeof f] as number | null;
      if (v === null) return [k, null];
      return [k, 'atLeast' in t ? v >= t.atLeast : v <= t.atMost];
    }),
  );
  return { ...f, targets: TARGETS, targets_met: met };
}

/** The figures as a table: name, value, target and whether it was met. */
export function printFigures(f: ReturnType<typeof kernelFigures>): void {
  console.log('\nKernel figures (bench/results/latest.json):');
  for (const [k, v] of Object.entries(f)) {
    if (k === 'phases' || k === 'targets' || k === 'targets_met') continue;
    const t = TARGETS[k as keyof typeof TARGETS];
    const target = t ? ('atLeast' in t ? ` (target ≥ ${t.atLeast}: ${f.targets_met[k] ? 'met' : 'NOT met'})` : ` (target ≤ ${t.atMost}: ${f.targets_met[k] ? 'met' : 'NOT met'})`) : '';
    console.log(`  ${k.padEnd(40)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}${target}`);
  }
  for (const [name, p] of Object.entries(f.phases)) console.log(`  phase ${name.padEnd(34)} load1 ${p.load1}, cpu ${p.cpu_ms} ms, wall ${p.wall_ms} ms`);
}
