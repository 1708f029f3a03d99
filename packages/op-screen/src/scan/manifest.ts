import { resolve } from 'node:path';
import type { PatientIdentity, ScanPatient, ScanSeries, ScanStudy } from '@op-screen/mri-io';
import { LEVEL_NAMES, type ManifestRecord, type ManifestSequence, manifestCsv } from '@op-screen/study';
import { stringify } from 'csv-stringify/sync';
import { type DxaMatch, type DxaTable, matchDxa } from './dxa.js';

/** A sagittal series usable for a manifest: at most this many degrees off the sagittal plane. */
export const MAX_SAGITTAL_TILT_DEG = 30;

export interface SeriesChoice {
  key: string;
  studyInstanceUID: string | null;
  date: string | null;
  T1: ScanSeries | null;
  T2: ScanSeries | null;
  /** Other sagittal T1/T2 candidates the rule passed over (in the chosen study and others). */
  notChosen: Array<{
    seriesInstanceUID: string;
    role: ManifestSequence;
    description: string | null;
    slices: number;
  }>;
}

function sagittalCandidate(s: ScanSeries, role: ManifestSequence): boolean {
  return (
    s.role === role &&
    s.nearestPlane === 'sagittal' &&
    (s.obliqueAngle ?? 90) <= MAX_SAGITTAL_TILT_DEG &&
    s.slices >= 3 &&
    s.orientation !== 'mixed'
  );
}

/** More slices first, then the later series number, then the UID (deterministic). */
function better(a: ScanSeries, b: ScanSeries): number {
  return (
    b.slices - a.slices ||
    (b.seriesNumber ?? -1) - (a.seriesNumber ?? -1) ||
    (a.seriesInstanceUID < b.seriesInstanceUID ? -1 : 1)
  );
}

/**
 * The series-choice rule. Candidates are series whose role is T1 (T2), whose slice normal lies
 * within MAX_SAGITTAL_TILT_DEG of left-right, with at least 3 slices. The study: the latest one
 * holding both a T1 and a T2 candidate, else the latest holding either. In it, per role: the
 * candidate with most slices, then the later SeriesNumber (a repeat is usually the better run),
 * then the smaller UID. Every other candidate of the patient is listed in `notChosen`.
 */
export function chooseSeries(patient: ScanPatient): SeriesChoice {
  const has = (st: ScanStudy, role: ManifestSequence) => st.series.some((s) => sagittalCandidate(s, role));
  const latestFirst = [...patient.studies].reverse();
  const study =
    latestFirst.find((st) => has(st, 'T1') && has(st, 'T2')) ??
    latestFirst.find((st) => has(st, 'T1') || has(st, 'T2')) ??
    null;
  const pick = (role: ManifestSequence) =>
    study ? ([...study.series].filter((s) => sagittalCandidate(s, role)).sort(better)[0] ?? null) : null;
  const T1 = pick('T1');
  const T2 = pick('T2');
  const notChosen: SeriesChoice['notChosen'] = [];
  for (const st of patient.studies)
    for (const s of st.series)
      for (const role of ['T1', 'T2'] as const)
        if (sagittalCandidate(s, role) && s !== T1 && s !== T2)
          notChosen.push({
            seriesInstanceUID: s.seriesInstanceUID,
            role,
            description: s.description,
            slices: s.slices,
          });
  return {
    key: patient.key,
    studyInstanceUID: study?.studyInstanceUID ?? null,
    date: study?.date ?? null,
    T1,
    T2,
    notChosen,
  };
}

export interface ManifestBuild {
  csv: string;
  rows: number;
  choices: SeriesChoice[];
  dxa: Array<{ key: string } & DxaMatch> | null;
}

/**
 * Manifest rows (the columns `reproduce` reads): one per patient x chosen sagittal T1/T2 x
 * L1-L4, `image` = the series directory (or enhanced file, or mid-slice file), roi empty,
 * t_score from the DXA join when given.
 */
export function buildManifest(
  patients: ScanPatient[],
  identities: PatientIdentity[],
  dxa: DxaTable | null,
  windowDays: number,
): ManifestBuild {
  const idOf = new Map(identities.map((i) => [i.key, i.patientId]));
  const records: ManifestRecord[] = [];
  const choices: SeriesChoice[] = [];
  const matches: Array<{ key: string } & DxaMatch> = [];
  for (const p of patients) {
    const c = chooseSeries(p);
    choices.push(c);
    const m = dxa ? matchDxa(dxa.byPatient.get(idOf.get(p.key) ?? ''), c.date, windowDays) : null;
    if (m) matches.push({ key: p.key, ...m });
    for (const seq of ['T1', 'T2'] as const) {
      const s = c[seq];
      if (!s) continue;
      for (const level of LEVEL_NAMES) {
        const t = m?.status === 'matched' ? m.tScores[level] : undefined;
        records.push({
          patient_id: p.key,
          sequence: seq,
          level,
          image: resolve(s.image),
          t_score: t === undefined ? '' : String(t),
        });
      }
    }
  }
  return {
    csv: manifestCsv(records),
    rows: records.length,
    choices,
    dxa: dxa ? matches : null,
  };
}

/** KEY.csv: pseudonym -> PatientID, AccessionNumber(s), StudyInstanceUID(s). Only for a mode-0600 file. */
export function keyCsv(identities: PatientIdentity[]): string {
  return stringify(
    [
      ['pseudonym', 'patient_id', 'accession_numbers', 'study_instance_uids'],
      ...identities.map((i) => [
        i.key,
        i.patientId,
        i.accessionNumbers.join(';'),
        i.studyInstanceUIDs.join(';'),
      ]),
    ],
    { quoted: true },
  );
}
