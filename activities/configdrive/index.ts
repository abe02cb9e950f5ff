// The config drive library (issue #12, point 4): decode a request's drive, build one from a document,
// plan its partition at the end of the disk, apply the plan to a disk file. Not wired into a deploy yet.
export { decodeConfigDriveString, nodeGunzip } from './decode';
export { buildConfigDriveIso, type BuildIsoOptions } from './build-iso';
export { configDriveFiles, configDriveMetaData, type ConfigDriveNode } from './layout';
export {
  configDriveWrites,
  planConfigDrivePartition,
  PartitionPlanError,
  PLAN_HEAD_BYTES,
  type DiskWrite,
  type PartitionPlan,
  type PartitionPlanInput,
} from './partition-table';
export { applyWritesToFile } from './apply-to-file';
