// Consumer lag: offsets and seconds per group / topic / partition, Burrow-style status, gauges.
export { createLagMonitor, type LagMonitor, type LagMonitorOptions } from './monitor.ts';
export {
  createOffsetTimeTable,
  lagSeconds,
  type OffsetTimeTable,
  type OffsetTimePoint,
} from './time-table.ts';
export {
  evaluate,
  observe,
  newHistory,
  worstStatus,
  type EvaluationParams,
  type Observation,
  type PartitionHistory,
} from './evaluate.ts';
