import { z } from 'zod';

/**
 * Per-connection options (one connection = one CXone business unit + one Azure app).
 * Stored in connections.options; defaults make a fresh connection sensible.
 */
export const connectionOptionsSchema = z.object({
  /** Users per presence subscription (Graph allows at most 650). */
  subscriptionGroupSize: z.number().int().min(1).max(650).default(650),
  /** How Teams presence is watched: the app-only reader alone, or subscriptions (reader keeps healing). */
  presenceWatch: z.enum(['reader', 'subscriptions']).default('reader'),
  /** How CXone changes arrive: polling `updatedSince`, or pushed to POST /api/cxone/events. */
  cxoneChangeMode: z.enum(['poll', 'push']).default('poll'),
  cxonePollIntervalMs: z.number().int().min(500).max(60_000).default(2_000),
  /** CXone route used to set states (facts/cxone.md: which one a tenant allows is UNCONFIRMED). */
  cxoneStateRoute: z.enum(['admin', 'agent_session']).default('admin'),
  /** CXone state names treated as agent-to-agent (never trigger rules). */
  agentToAgentStates: z.array(z.string().min(1)).default(['InboundConsult', 'OutboundConsult']),
  /** Seed-compatible mode: create CXone_xxxxx system users with passwords (MFA must be excluded). */
  systemUserMode: z.boolean().default(false),
  /** The admin accepted that system users need MFA excluded (required to turn systemUserMode on). */
  systemUserMfaWarningAccepted: z.boolean().default(false),
  /** Tell agents in a bot chat when a status they set by hand blocks sync. */
  notifyAgentsOfManualStatus: z.boolean().default(false),
  /** Graph quota for this tenant (facts/graph.md: 1,500 / 30 s documented; make it adjustable). */
  graphQuota: z
    .object({ requests: z.number().int().min(1).max(100_000), windowMs: z.number().int().min(1_000).max(300_000) })
    .default({ requests: 1_500, windowMs: 30_000 }),
});
export type ConnectionOptions = z.infer<typeof connectionOptionsSchema>;

export const defaultConnectionOptions = (): ConnectionOptions => connectionOptionsSchema.parse({});
