// Types for the `jr-mock` Node helper (hand-written; see index.js and README.md).

import type { ChildProcess } from 'node:child_process';

/** An OAuth 2.0 (3LO) app jr-mock knows by default. */
export interface OAuthAppIdentity {
  readonly clientId: string;
  /** Its static bearer access token. */
  readonly token: string;
  /** Its client secret: deliveries to it are HS256 JWTs signed with this. */
  readonly clientSecret: string;
}

/** The identities every jr-mock knows unless a config file replaces them. */
export interface Identities {
  readonly oauthApp: OAuthAppIdentity;
  readonly otherApp: OAuthAppIdentity;
  readonly connectApp: {
    /** The Connect app key (the JWT `iss`). */
    readonly key: string;
    /** The shared secret that signs its JWTs and its deliveries. */
    readonly sharedSecret: string;
    /** Webhook URLs must start with it (loopback http URLs are allowed too). */
    readonly baseUrl: string;
  };
  /** A user, not an app: the webhook API answers it 403. */
  readonly user: { readonly email: string; readonly token: string };
}

export const identities: Identities;

/** A Jira event as jr-mock's `POST /_mock/events` takes it. */
export interface JiraEvent {
  webhookEvent: string;
  issue?: Record<string, unknown>;
  changelog?: Record<string, unknown>;
  comment?: Record<string, unknown>;
  user?: Record<string, unknown>;
  [field: string]: unknown;
}

/** One delivery attempt, as `GET /_mock/deliveries` lists it. */
export interface DeliveryAttempt {
  /** The webhook IDs the event matched. */
  webhookIds: number[];
  url: string;
  /** The HTTP status the receiver answered; absent when it could not be reached. */
  status?: number;
  [field: string]: unknown;
}

export interface StartOptions {
  /** The jr-mock binary; default JR_MOCK_BIN, a `jr-mock-<platform>-<arch>` package, or PATH. */
  binary?: string;
  /** More arguments, e.g. `['--retry-delay-ms', '1000']` (`--port 0` is always given). */
  args?: string[];
  /** More environment variables for the child. */
  env?: Record<string, string>;
  /**
   * A directory of recordings (`jr --record DIR`) to answer from: `--fixtures DIR`. A request
   * matching a recording gets its answer, after authentication and fault rules.
   */
  fixtures?: string;
}

/** A running jr-mock. Every method talks to its control API on loopback. */
export interface JrMock {
  /** Its site base URL, `http://127.0.0.1:PORT`. */
  readonly baseUrl: string;
  /** The site's cloud ID (from `/_edge/tenant_info`), or null when it has none. */
  readonly cloudId: string | null;
  /**
   * Where OAuth 2.0 apps and scoped API tokens call it: `${baseUrl}/ex/jira/${cloudId}`, as
   * Atlassian's API gateway serves a site (on the site URL itself they get 401).
   */
  readonly gatewayUrl: string | null;
  readonly identities: Identities;
  readonly process: ChildProcess;
  /** Moves the virtual clock forward; resolves with the new time once due deliveries are done. */
  advance(ms: number): Promise<{ nowMs: number }>;
  /** The virtual time, milliseconds since the UNIX epoch. */
  now(): Promise<number>;
  /** Posts an event; resolves with `{timestamp, deliveries}` after each delivery's first attempt. */
  sendEvent(event: JiraEvent): Promise<{ timestamp: number; deliveries: DeliveryAttempt[] }>;
  /** Every delivery attempt, oldest first (all pages). */
  deliveries(): Promise<DeliveryAttempt[]>;
  /** The failed-delivery store, oldest first. */
  failed(): Promise<Array<Record<string, unknown>>>;
  /** Every request jr-mock received, oldest first, credentials redacted (all pages). */
  requests(): Promise<Array<Record<string, unknown>>>;
  /** Clears webhooks, failures, pending deliveries and logs; the clock stays. */
  reset(): Promise<{ nowMs: number }>;
  /** SIGTERM (SIGKILL after 5 s); resolves when the process has exited. */
  stop(): Promise<void>;
}

/** The binary that `startJrMock` would start. */
export function findBinary(binary?: string): string;

/** Starts jr-mock on a free loopback port and resolves once it listens. */
export function startJrMock(options?: StartOptions): Promise<JrMock>;
