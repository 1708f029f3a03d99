import type { z } from 'zod';
import type { Scored } from '../run/score.js';
import type { GradCamImage } from '../run/types.js';
import type { Report } from './schema.js';

/** What report.html shows besides report.json: the test scores behind the curves, the Grad-CAM figures. */
export interface HtmlExtras {
  seqScores: Record<string, Scored>;
  gradcams: GradCamImage[];
}

/**
 * One section of the report. `shape` holds the report.json fields it owns; `reportSchema` is
 * assembled from the sections' shapes, and a report is validated once, when it is complete.
 * `html` renders its part of report.html from the validated report. It returns an empty string when
 * the section has nothing to show.
 *
 * The values are computed by the pipeline's stage for the section (`reproduce/stages/`). The
 * TRIPOD+AI items are filled from the finished report by the TRIPOD section (`tripod.ts`).
 * {@link REPORT_SECTIONS} lists the sections in the order report.html shows them.
 */
export interface ReportSection {
  /** A short name (tests and docs). */
  name: string;
  /** The report.json fields it owns (the module exports the same object as `xxxShape`, which `reportSchema` spreads). */
  shape: z.ZodRawShape;
  html(report: Report, extras: HtmlExtras): string | Promise<string>;
}
