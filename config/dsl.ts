import { parseIsoDuration } from '../domain/duration';
import { EnvSchema, type Env } from './env';

/** The definitive software library's settings, as the worker and the API use them. */
export interface DslSettings {
  /** Where verified artifacts are kept by digest (the API reads the same place). */
  dir: string;
  /** The only folder `file:` URIs may name. */
  fileRoot: string;
  maxBytes: number;
  /** Retry budget (schedule-to-close) of one artifact's fetch. */
  fetchTimeoutMs: number;
}

export type DslEnv = Partial<Pick<Env, 'DSL_DIR' | 'DSL_FILE_ROOT' | 'DSL_MAX_BYTES' | 'DSL_FETCH_TIMEOUT'>>;

/** Settings from (part of) the environment; what is missing takes the schema's default. */
export function dslSettings(env: DslEnv = {}): DslSettings {
  const d = EnvSchema.pick({ DSL_DIR: true, DSL_FILE_ROOT: true, DSL_MAX_BYTES: true, DSL_FETCH_TIMEOUT: true }).parse({});
  return {
    dir: env.DSL_DIR ?? d.DSL_DIR,
    fileRoot: env.DSL_FILE_ROOT ?? d.DSL_FILE_ROOT,
    maxBytes: env.DSL_MAX_BYTES ?? d.DSL_MAX_BYTES,
    fetchTimeoutMs: parseIsoDuration(env.DSL_FETCH_TIMEOUT ?? d.DSL_FETCH_TIMEOUT),
  };
}
