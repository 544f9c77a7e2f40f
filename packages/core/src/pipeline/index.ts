export {
  batchRows,
  type CommittedBatch,
  type FlushInfo,
  IngestPipeline,
  PipelineClosedError,
  type PipelineOptions,
  type PipelineStats,
  QueueFullError,
  type RowBatch,
} from './ingest-pipeline.js';
