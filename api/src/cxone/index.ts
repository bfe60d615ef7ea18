export {
  type CxoneAgent,
  type CxoneClient,
  type CxoneClientOptions,
  type CxoneStatesPage,
  type CxoneTeam,
  type CxoneUnavailableCode,
  createCxoneClient,
} from './client.ts';
export { type CursorStore, CXONE_STATES_CURSOR, createDbCursorStore } from './cursor-store.ts';
export { type AgentStateGate, createAgentStateGate } from './order-gate.ts';
export { DEFAULT_VERSIONS, PATH_NAMES, type PathName, REQUIRED_PERMISSION } from './paths.ts';
export { type CxonePoller, type CxonePollerOptions, createCxonePoller, faultFor, type PollResult } from './poller.ts';
export {
  CXONE_PUSH_PATH,
  type CxonePushRouteOptions,
  type PushConnection,
  pushBodySchema,
  registerCxonePushRoute,
  toSyncEvents,
} from './push-route.ts';
