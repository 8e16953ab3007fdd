/**
 * Heap held per cached incident workflow, inside the worker's workflow threads (where the
 * 10,000-open SLA phase's major GCs run), and how many bundle modules each workflow evaluates.
 * Opens incidents through the API on the bench stack (in-memory engine, SQLite), takes a heap
 * snapshot of every workflow thread after WARM and again after N more, and prints per thread
 * the growth per workflow and the webpack module records per workflow.
 *
 *   npx tsx bench/workflow-heap.ts [N]        (default 500)
 *
 * The snapshots come through the SDK's thread pool (`workflowCreator.workerThreadClients`), an
 * internal of @temporalio/worker 1.24: a diagnostic, not part of `npm run bench`.
 */
import type { Readable } from 'node:stream';
import { createLogger } from '../infra/logger';
import { benchLog, httpClient, openCachedIncidents, round, startBench, stopBench, type Bench } from './support';

const N = Number(process.argv[2] ?? 500);
const WARM = 100;
const log = benchLog('workflow-heap');

interface ThreadClient {
  activeWorkflowCount: number;
  workerThread: { getHeapSnapshot(): Promise<Readable> };
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Live heap (a snapshot holds only what is reachable), workflows, and webpack module records (`{exports}` objects). */
function summarise(h: HeapSnapshot): { heapBytes: number; workflows: number; modules: number } {
  const { node_fields: nf, node_types: [nodeTypes], edge_fields: ef, edge_types: [edgeTypes] } = h.snapshot.meta;
  const [F, EF] = [nf.length, ef.length];
  const [type, name, size, edgeCount] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f));
  const [edgeType, edgeName] = ['type', 'name_or_index'].map((f) => ef.indexOf(f));
  let heapBytes = 0;
  let workflows = 0;
  let modules = 0;
  for (let i = 0, e = 0; i < h.nodes.length; i += F) {
    const edges = h.nodes[i + edgeCount];
    heapBytes += h.nodes[i + size];
    if (nodeTypes[h.nodes[i + type]] === 'object') {
      const n = h.strings[h.nodes[i + name]];
      if (n === 'ReusableVMWorkflow' || n === 'VMWorkflow') workflows++;
      else if (n === 'Object') {
        const props: string[] = [];
        for (let j = e; j < e + edges * EF; j += EF) if (edgeTypes[h.edges[j + edgeType]] === 'property') props.push(h.strings[h.edges[j + edgeName]]);
        if (props.filter((p) => p !== '__proto__').join() === 'exports') modules++;
      }
    }
    e += edges * EF;
  }
  return { heapBytes, workflows, modules };
}

async function snapshots(b: Bench): Promise<ReturnType<typeof summarise>[]> {
  const creator = (b.worker?.records as unknown as { workflowCreator?: { workerThreadClients?: ThreadClient[] } } | undefined)?.workflowCreator;
  const threads = creator?.workerThreadClients;
  if (!threads?.length) throw new Error('no workflow threads to snapshot (the SDK internals this reads have changed?)');
  const out = [];
  for (const t of threads) {
    let text = '';
    for await (const chunk of await t.workerThread.getHeapSnapshot()) text += String(chunk);
    out.push(summarise(JSON.parse(text) as HeapSnapshot));
  }
  return out;
}

async function main(): Promise<void> {
  const b = await startBench({ tmpPrefix: 'itsm-workflow-heap-', taskQueue: `workflow-heap-${process.pid}`, inMemory: true, log: createLogger('error') });
  try {
    const http = httpClient(b.baseUrl, { fetchErrors: 0 });
    const open = (from: number, n: number) => openCachedIncidents(b, http, 'workflow heap', from, n);
    await open(0, WARM);
    const before = await snapshots(b);
    await open(WARM, N);
    const after = await snapshots(b);
    const threads = after.map((a, i) => {
      const added = a.workflows - before[i].workflows;
      return {
        thread: i,
        workflows: a.workflows,
        heapMiB: round(a.heapBytes / 2 ** 20),
        perWorkflowKiB: added > 0 ? round((a.heapBytes - before[i].heapBytes) / added / 1024) : null,
        modulesPerWorkflow: added > 0 ? round((a.modules - before[i].modules) / added) : null,
      };
    });
    log(JSON.stringify(threads));
    console.log(JSON.stringify({ incidents: WARM + N, threads }, null, 2));
  } finally {
    await stopBench(b);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
