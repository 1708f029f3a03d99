import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from '@op-screen/study';
import { z } from 'zod';
import { SynthError } from './errors.js';
import { type OracleSummary, oracleAucs, type PatientPosterior } from './oracle.js';
import { SYNTH_GENERATOR_VERSION, SYNTH_PARAMS } from './params.js';

/**
 * The synthetic cohort's sidecar, `manifest.synth.json` beside `manifest.csv`: marks the manifest
 * as synthetic and holds the oracle (the best attainable AUCs and each patient's posteriors, so a
 * run can also report the oracle on its own test split).
 */

const aucSchema = z.object({ auc: z.number().nullable(), n: z.number().int(), positives: z.number().int() });

const posteriorSchema = z.object({
  patientId: z.string(),
  image: z.array(
    z.object({
      level: z.string(),
      excluded: z.boolean(),
      label: z.union([z.literal(0), z.literal(1)]),
      p: z.number(),
    }),
  ),
  patient: z.number(),
  patientIncludingExcluded: z.number(),
  label: z.union([z.literal(0), z.literal(1)]),
  labelIncludingExcluded: z.union([z.literal(0), z.literal(1)]),
});

export const synthSidecarSchema = z.object({
  synthetic: z.literal(true),
  generator: z.literal('op-screen synth'),
  generatorVersion: z.number().int(),
  seed: z.number().int(),
  patients: z.number().int(),
  exclusions: z.record(z.string(), z.number().int()),
  oracle: z.object({
    definition: z.string(),
    image: aucSchema,
    patient: aucSchema,
    includeExcluded: z.object({ image: aucSchema, patient: aucSchema }),
    posteriors: z.array(posteriorSchema),
  }),
  parameters: z.unknown(),
});
export type SynthSidecar = z.infer<typeof synthSidecarSchema>;

const DEFINITION =
  'AUC of P(T-score <= -2.5 | the rendering parameters that depend on density: marrow fat fraction, texture scale, fracture), integrated over age, sex and the patient-level latents (op-screen README, "Oracle"); image level uses one vertebra, patient level all of its vertebrae; excluded (fractured) vertebrae are left out of the labels unless includeExcluded.';

/** `DIR/manifest.csv` -> `DIR/manifest.synth.json` (any other name: the name plus `.synth.json`). */
export function synthSidecarPath(manifestPath: string): string {
  return manifestPath.endsWith('.csv')
    ? `${manifestPath.slice(0, -4)}.synth.json`
    : `${manifestPath}.synth.json`;
}

export function buildSidecar(
  seed: number,
  posteriors: PatientPosterior[],
  exclusions: Record<string, number>,
): SynthSidecar {
  const a = oracleAucs(posteriors);
  return {
    synthetic: true,
    generator: 'op-screen synth',
    generatorVersion: SYNTH_GENERATOR_VERSION,
    seed,
    patients: posteriors.length,
    exclusions,
    oracle: { definition: DEFINITION, ...a, posteriors },
    parameters: SYNTH_PARAMS,
  };
}

export async function writeSidecar(manifestPath: string, sidecar: SynthSidecar): Promise<string> {
  const path = synthSidecarPath(manifestPath);
  await writeJsonAtomic(path, sidecar);
  return path;
}

/**
 * Reads the sidecar of a manifest: `null` when there is none (real data), the validated sidecar
 * otherwise; a sidecar that does not validate is an `SynthError` `MANIFEST_UNREADABLE`.
 */
export async function readSynthSidecar(manifestPath: string): Promise<SynthSidecar | null> {
  const path = synthSidecarPath(manifestPath);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new SynthError(
      'MANIFEST_UNREADABLE',
      `${path} is not valid JSON (${(err as Error).message}).`,
      path,
    );
  }
  const parsed = synthSidecarSchema.safeParse(raw);
  if (!parsed.success)
    throw new SynthError(
      'MANIFEST_UNREADABLE',
      `${path} is not a synth sidecar: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
      path,
    );
  return parsed.data;
}

/** Oracle AUCs restricted to some patients (e.g. a run's test split), from a sidecar's posteriors. */
export function sidecarOracle(sidecar: SynthSidecar, patientIds?: Iterable<string>): OracleSummary {
  return oracleAucs(sidecar.oracle.posteriors, patientIds);
}
