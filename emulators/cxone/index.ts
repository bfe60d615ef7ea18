export { type DayStep, dayScript } from './day.ts';
export { FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.ts';
export type { ControlState, EmulatedAgentState } from './model.ts';
export type { PushConfig } from './push.ts';
export {
  type CxoneEmulator,
  type CxoneEmulatorControl,
  type CxoneEmulatorOptions,
  type EmulatorCall,
  startCxoneEmulator,
} from './server.ts';
