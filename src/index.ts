/** The `medbank` library: open and read built trees, and the build pipeline behind the CLI. */
export { openMedBank, readManifest, type MedBank, type MedBankTask, type Sample, type Pixels8 } from './dataset/open.js';
export {
  maskPrompts,
  connectedComponents,
  objectPrompt,
  type MaskPrompts,
  type Instance,
  type ObjectPrompt,
  type Box,
  type Point,
} from './dataset/prompts.js';
export { exportTree, type ExportResult } from './export/export.js';
export { EXPORT_FORMATS, type ExportOptions, type ExportFormatName, type ExportProgress } from './export/types.js';
export type { ExportRecord } from './export/record.js';
export { build, type BuildOptions, type BuildResult, type ProgressEvent } from './pipeline/build.js';
export { preprocess, type PreprocessOptions, type PreprocessResult } from './pipeline/preprocess/preprocess.js';
export { catalog } from './catalog/registry.js';
export type { SourceAdapter, SourceInfo, TaskSpec, Split, License } from './catalog/types.js';
export type { ManifestRow } from './contract/manifest.js';
export type { BuildRecord, Leak, TaskRecord } from './contract/build-record.js';
export type { LayoutName } from './contract/layout.js';
export { validateTree, type ValidateReport, type Finding } from './dataset/validate.js';
export { CHECKS, type CheckCode } from './dataset/check-codes.js';
export { computeStats, type TreeStats, type TaskStats, type Histogram } from './dataset/stats.js';
export { writeReport } from './dataset/report.js';
export { selectByLicense, type LicenseUse } from './catalog/license-policy.js';
