/**
 * The `goldenPath` section of app-config, as Backstage's config validation
 * sees it. Everything is optional; the defaults suit AWS EBS gp3 volumes.
 */
export interface Config {
  goldenPath?: {
    /** Platform limits the validate action holds every Stateful App to. */
    statefulApp?: {
      storage?: {
        /** Smallest volume per pod, a Kubernetes quantity (default 1Gi). */
        min?: string;
        /** Largest volume per pod (default 16Ti). */
        max?: string;
        /** StorageClasses a template may ask for (default [gp3]). */
        classes?: string[];
      };
      ports?: {
        /** Container ports the platform reserves, e.g. a service mesh's sidecar ports. */
        denied?: number[];
      };
      replicas?: {
        /** Most pods a Stateful App may ask for (default 9). */
        max?: number;
      };
    };
    /** How hard the GitHub actions retry before they give up. */
    github?: {
      /** Retries of a request that failed with 5xx, 429 or a dropped connection (default 3). */
      retries?: number;
      /** Base of the backoff between those retries, in ms (default 1000). */
      retryBaseDelayMs?: number;
      /** Longest rate-limit `retry-after` worth waiting for, in seconds (default 60). */
      maxRetryAfterSeconds?: number;
      /** Rate-limit retries before giving up (default 2). */
      rateLimitRetries?: number;
      /** Pause between mutating requests, in ms, as GitHub asks integrations to do (default 1000). */
      writePacingMs?: number;
      /** How long to wait for a just-created repository to answer, in ms (default 30000). */
      repoReadyTimeoutMs?: number;
    };
  };
}
