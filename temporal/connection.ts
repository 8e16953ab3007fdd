import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Env } from '../config/env';

type TemporalEnv = Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH' | 'TEMPORAL_TLS_CA_PATH' | 'TEMPORAL_API_KEY'>;

/** mTLS (self-hosted) or an API key (Temporal Cloud); plain gRPC for the dev server. */
function tlsOptions(env: TemporalEnv) {
  const cert = env.TEMPORAL_TLS_CERT_PATH;
  const key = env.TEMPORAL_TLS_KEY_PATH;
  const ca = env.TEMPORAL_TLS_CA_PATH;
  if (!cert && !key && !ca && !env.TEMPORAL_API_KEY) return undefined;
  return {
    ...(ca ? { serverRootCACertificate: readFileSync(ca) } : {}),
    ...(cert && key ? { clientCertPair: { crt: readFileSync(cert), key: readFileSync(key) } } : {}),
  };
}

export async function connectClient(env: TemporalEnv): Promise<Client> {
  const options: ConnectionOptions = { address: env.TEMPORAL_ADDRESS, tls: tlsOptions(env), apiKey: env.TEMPORAL_API_KEY };
  const connection = await Connection.connect(options);
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}

export async function connectWorker(env: TemporalEnv): Promise<NativeConnection> {
  const options: NativeConnectionOptions = { address: env.TEMPORAL_ADDRESS, tls: tlsOptions(env), apiKey: env.TEMPORAL_API_KEY };
  return NativeConnection.connect(options);
}
