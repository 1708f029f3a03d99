import { z } from 'zod';
import { esc } from './format.js';
import type { ReportSection } from './section.js';

/** The report.json fields of the provenance section. */
export const provenanceShape = {
  versions: z.object({
    node: z.string(),
    packages: z.record(z.string(), z.string()),
    backend: z.record(z.string(), z.unknown()),
  }),
};

/** The versions of everything that ran, and the run's whole configuration. */
export const provenanceSection: ReportSection = {
  name: 'provenance',
  shape: provenanceShape,
  html: (report) =>
    `<h2>Versions</h2><pre>${esc(JSON.stringify(report.versions, null, 2))}</pre><h2>Configuration</h2><pre>${esc(JSON.stringify(report.config, null, 2))}</pre>`,
};
