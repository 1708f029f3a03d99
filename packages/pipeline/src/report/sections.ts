import { bandSection } from './band.js';
import { baselinesSection } from './baselines.js';
import { calibrationSection } from './calibration.js';
import { comparisonSection } from './comparison.js';
import { curvesSection } from './curves.js';
import { exclusionsSection } from './exclusions.js';
import { gradcamSection } from './gradcam.js';
import { oracleSection } from './oracle.js';
import { provenanceSection } from './provenance.js';
import { resultsSection } from './results.js';
import type { ReportSection } from './section.js';
import { subgroupsSection } from './subgroups.js';
import { trainingSection } from './training.js';
import { tripodSection } from './tripod.js';

/**
 * The report's sections, in the order report.html shows them. A new section is a module with its
 * shape and its HTML (see section.ts), listed here and spread into `reportSchema` (schema.ts).
 */
export const REPORT_SECTIONS: readonly ReportSection[] = [
  resultsSection,
  oracleSection,
  baselinesSection,
  subgroupsSection,
  calibrationSection,
  bandSection,
  tripodSection,
  curvesSection,
  comparisonSection,
  trainingSection,
  gradcamSection,
  exclusionsSection,
  provenanceSection,
];

export type { BandResultBlock, BandSection } from './band.js';
export type { Calibration, CalibrationBlock } from './calibration.js';
export type { SubgroupAnalysis, SubgroupResult, Subgroups } from './subgroups.js';
export type { EventCount, SampleSize, Tripod, TripodItem } from './tripod.js';
