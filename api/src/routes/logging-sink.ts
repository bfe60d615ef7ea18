import type { SyncEvent, SyncEventSink } from '../domain/ports.ts';
import type { Logger } from '../logging.ts';

/** The default SyncEventSink until the engine's is wired: logs each event (at info for settings changes). */
export function createLoggingSink(logger: Logger): SyncEventSink {
  const log = logger.child({ component: 'sync-events' });
  return {
    publish(event: SyncEvent) {
      if (event.kind === 'settings_changed')
        log.info({ event: { kind: event.kind, connectionId: event.connectionId, agentIds: event.agentIds } }, 'settings changed');
      else log.debug({ event: { kind: event.kind, connectionId: event.connectionId } }, 'sync event');
    },
  };
}
