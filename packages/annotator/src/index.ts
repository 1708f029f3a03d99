/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/annotator' as const;

export {
  type AnnotationRow,
  type AnnotationState,
  EXCLUDE_REASONS,
  type ExcludeReason,
  formatBox,
  LABELS,
  type Label,
  LEVELS,
  type Level,
  OWNED_COLUMNS,
  type OwnedCells,
  type OwnedColumn,
  type PixelBox,
  parseBox,
  parseExclude,
  type SaveRequest,
  SEQUENCES,
  type Sequence,
  type SeriesFiles,
} from './columns.js';
export { AnnotatorError, type AnnotatorErrorCode } from './errors.js';
export { mapBox, type PlaneGeometry } from './geometry.js';
export { type LoadedManifest, loadAnnotationManifest, saveOwnedColumns } from './manifest-file.js';
export { type LoadedModel, loadModelDir, type ModelInfo, resolveModelDir } from './model-dir.js';
export {
  type AnnotateServer,
  type AnnotateServerOptions,
  isUnsafePath,
  startAnnotateServer,
} from './server.js';
