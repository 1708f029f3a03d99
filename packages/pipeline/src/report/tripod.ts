import { z } from 'zod';
import type { SplitUnit, VertebraSplit } from '../run/splits.js';
import { esc, f3 } from './format.js';
import type { Report } from './schema.js';
import type { ReportSection } from './section.js';

export const tripodItemSchema = z.object({
  /** TRIPOD+AI (Collins et al., BMJ 2024;385:e078378) item number, e.g. "5a". */
  item: z.string(),
  section: z.string(),
  topic: z.string(),
  /** filled: from this run; partial: the run's part is filled, the rest is the authors'; authors: a tool cannot know it. */
  status: z.enum(['filled', 'partial', 'authors']),
  text: z.string(),
});
export type TripodItem = z.infer<typeof tripodItemSchema>;

const eventCount = z.object({
  patients: z.number().int(),
  positivePatients: z.number().int(),
  vertebrae: z.number().int(),
  positiveVertebrae: z.number().int(),
});
export type EventCount = z.infer<typeof eventCount>;

export const sampleSizeSchema = z.object({
  development: eventCount,
  test: eventCount,
  folds: z.array(z.object({ train: eventCount, validation: eventCount })),
});
export type SampleSize = z.infer<typeof sampleSizeSchema>;

export const tripodSchema = z.object({
  guideline: z.string(),
  note: z.string(),
  /** Participants (patients) and events (osteoporotic vertebrae / patients) in each analysis (item 21). */
  sampleSize: sampleSizeSchema,
  items: z.array(tripodItemSchema),
});
export type Tripod = z.infer<typeof tripodSchema>;

/**
 * The TRIPOD+AI checklist (Collins GS et al. TRIPOD+AI statement: updated guidance for reporting
 * clinical prediction models that use regression or machine learning methods. BMJ
 * 2024;385:e078378), filled from a run's own values where a tool can know them. Items only the
 * authors can report (context, ethics, funding, interpretation...) are listed with status
 * "authors". The item numbers and topics are the statement's.
 */

export const TRIPOD_AI_REFERENCE =
  'TRIPOD+AI (Collins et al., BMJ 2024;385:e078378), main-paper checklist items 1-27';

const AUTHORS = 'To be reported by the authors.';

/** Patients and events among some split units. */
export function countEvents(units: SplitUnit[], indices: number[]): EventCount {
  const patients = new Map<string, number>();
  let pos = 0;
  for (const i of indices) {
    const u = units[i] as SplitUnit;
    pos += u.label;
    patients.set(u.patientId, Math.max(patients.get(u.patientId) ?? 0, u.label));
  }
  let posPatients = 0;
  for (const v of patients.values()) posPatients += v;
  return {
    patients: patients.size,
    positivePatients: posPatients,
    vertebrae: indices.length,
    positiveVertebrae: pos,
  };
}

/** Participants and events of the hold-out test set, the development set and every fold (item 21). */
export function sampleSizeOf(split: VertebraSplit): SampleSize {
  const { units } = split;
  const s = split.split;
  const dev = s.folds[0] ? [...s.folds[0].train, ...s.folds[0].val] : [];
  return {
    development: countEvents(units, dev),
    test: countEvents(units, s.test),
    folds: s.folds.map((f) => ({
      train: countEvents(units, f.train),
      validation: countEvents(units, f.val),
    })),
  };
}

/** What the TRIPOD builder reads besides report.json's own fields. */
export interface TripodContext {
  sampleSize: SampleSize;
  /** Synthetic cohorts: the generator version of the sidecar (null for real data or no sidecar). */
  generatorVersion: number | null;
  /** Synthetic cohorts: the number of patients the generator wrote (the synth command's --patients). */
  generatedPatients: number | null;
  /** Synthetic cohorts: the generator's seed. */
  generatorSeed: number | null;
  /** Sex counts and age summary of the usable patients, when the manifest has those columns. */
  characteristics: {
    female: number;
    male: number;
    ageMedian: number | null;
    ageRange: [number, number] | null;
  };
}

type ReportCore = Omit<Report, 'tripod'>;
const ev = (e: EventCount) =>
  `${e.patients} patients (${e.positivePatients} with osteoporosis), ${e.vertebrae} vertebrae (${e.positiveVertebrae} with T-score at or below the threshold)`;
const item = (
  itemNo: string,
  section: string,
  topic: string,
  status: TripodItem['status'],
  text: string,
): TripodItem => ({ item: itemNo, section, topic, status, text });

function excludedText(r: ReportCore): string {
  const e = Object.entries(r.excluded);
  if (!e.length) return 'no rows were marked for exclusion';
  const list = e.map(([k, n]) => `${n} ${k.replace('_', ' ')}`).join(', ');
  return r.config.includeExcluded
    ? `rows marked for exclusion (${list}) were INCLUDED (sensitivity analysis, --include-excluded)`
    : `excluded by the manifest's exclude column: ${list} image rows`;
}

function skippedText(r: ReportCore): string {
  const byCode = new Map<string, number>();
  for (const s of r.skippedRows) if (s.code !== 'EXCLUDED') byCode.set(s.code, (byCode.get(s.code) ?? 0) + 1);
  const n = [...byCode.values()].reduce((a, b) => a + b, 0);
  if (!n) return 'no manifest row was skipped as unusable';
  return `${n} manifest rows skipped as unusable (${[...byCode].map(([c, k]) => `${k} ${c}`).join(', ')}; listed by line and reason in skipped.csv)`;
}

function introAndData(r: ReportCore, ctx: TripodContext): TripodItem[] {
  const c = r.config;
  const synth = r.synthetic;
  return [
    item('1', 'Title', 'Title', 'authors', AUTHORS),
    item('2', 'Abstract', 'Abstract', 'authors', `${AUTHORS} (see the TRIPOD+AI for Abstracts checklist)`),
    item('3a', 'Introduction', 'Background: healthcare context and rationale', 'authors', AUTHORS),
    item(
      '3b',
      'Introduction',
      'Background: target population, intended purpose and users',
      'authors',
      AUTHORS,
    ),
    item('3c', 'Introduction', 'Background: known health inequalities', 'authors', AUTHORS),
    item(
      '4',
      'Introduction',
      'Objectives',
      'partial',
      `This run develops a ${c.arch} classifier of osteoporosis from lumbar-spine MRI (${c.sequences.join(' and ')}) and evaluates it by internal validation on a hold-out set, beside the VBQ baseline. ${AUTHORS.replace('.', ': the study objectives.')}`,
    ),
    item(
      '5a',
      'Methods',
      'Data: sources',
      synth ? 'filled' : 'partial',
      synth
        ? `Synthetic cohort from op-screen synth (generator version ${ctx.generatorVersion ?? 'n/a'}, seed ${ctx.generatorSeed ?? c.seed}): ${r.counts.patients} simulated patients, ${r.counts.images} usable images; not patient data, development and evaluation data from the same generator.`
        : `Lumbar-spine MRI listed in the run's manifest: ${r.counts.patients} patients, ${r.counts.images} usable images; development and evaluation data from the same source (internal validation). Source type, rationale and representativeness: ${AUTHORS.toLowerCase()}`,
    ),
    item(
      '5b',
      'Methods',
      'Data: dates',
      synth ? 'filled' : 'partial',
      synth
        ? `Generated for this run (report created ${r.createdAt}); synthetic data have no accrual dates.`
        : `The manifest carries no acquisition or DXA dates; start and end of accrual: ${AUTHORS.toLowerCase()} Run date: ${r.createdAt}.`,
    ),
    item('6a', 'Methods', 'Participants: setting, number and location of centres', 'authors', AUTHORS),
    item(
      '6b',
      'Methods',
      'Participants: eligibility criteria',
      'partial',
      `Vertebrae L1-L4 with a sagittal ${c.sequences.join('/')} image, a vertebral ROI and a DXA T-score or label; ${excludedText(r)}; ${skippedText(r)}. Patient-level eligibility: ${AUTHORS.toLowerCase()}`,
    ),
    item('6c', 'Methods', 'Participants: treatments', 'authors', AUTHORS),
    item(
      '7',
      'Methods',
      'Data preparation',
      'partial',
      `Mid-sagittal slice (or the manifest's slice), crop to the vertebral ROI, preprocessing preset "${c.preprocessPreset}" at ${c.inputSize} px, ${c.channels} channel(s), training augmentation ${c.augmentation ? 'on' : 'off'} (the full pipeline spec is report.json preprocessing). Quality checks: unreadable images and ROIs outside the slice are skipped with a reason. Whether preparation was similar across sociodemographic groups: ${AUTHORS.toLowerCase()}`,
    ),
    item(
      '8a',
      'Methods',
      'Outcome: definition',
      'partial',
      `Osteoporosis at a vertebra: DXA T-score <= ${c.tScoreThreshold} at the same vertebra (WHO definition; rows with only a 0/1 label use the label). A patient is positive when any included vertebra is. Diagnostic (cross-sectional) model, no time horizon. Interval between MRI and DXA: ${AUTHORS.toLowerCase()}`,
    ),
    item('8b', 'Methods', 'Outcome: assessors of subjective outcomes', 'authors', AUTHORS),
    item('8c', 'Methods', 'Outcome: blinding', 'authors', AUTHORS),
  ];
}

function predictorsAndAnalysis(r: ReportCore): TripodItem[] {
  const c = r.config;
  const s = r.training;
  const bestEpochs = Object.entries(s)
    .map(([seq, folds]) => `${seq} ${folds.map((f) => f.bestEpoch).join('/')}`)
    .join(', ');
  return [
    item(
      '9a',
      'Methods',
      'Predictors: choice',
      'partial',
      `The image crop only (no clinical predictors); VBQ uses the T1 marrow and CSF signal. Rationale: ${AUTHORS.toLowerCase()}`,
    ),
    item(
      '9b',
      'Methods',
      'Predictors: definition and measurement',
      'filled',
      `CNN input: the vertebral-body ROI crop of the sagittal ${c.sequences.join(' and ')} slice, resized to ${c.inputSize}x${c.inputSize} (${c.channels} channel(s)); "both" averages a vertebra's T1 and T2 scores. VBQ: median T1 signal of the central half of the L1-L4 body ROIs over the median CSF signal at L3 (Ehresman 2020).`,
    ),
    item(
      '9c',
      'Methods',
      'Predictors: assessors of subjective predictors',
      'authors',
      `${AUTHORS} (who drew the ROIs)`,
    ),
    item(
      '10',
      'Methods',
      'Sample size',
      'partial',
      `${r.counts.patients} patients, ${r.counts.images} images were usable; no sample size calculation was made by the tool (events per split are under item 21). Justification: ${AUTHORS.toLowerCase()}`,
    ),
    item(
      '11',
      'Methods',
      'Missing data',
      'filled',
      `Complete-case analysis, no imputation: ${skippedText(r)}. VBQ could be computed for ${r.baselines.vbq?.n ?? 0} of ${r.counts.patients} patients (a T1 csf_roi is needed).`,
    ),
    item(
      '12a',
      'Methods',
      'Analytical methods: data use and partitioning',
      'filled',
      `${c.split === 'patient' ? 'Patient-grouped, label-stratified' : 'Image-level (optimistic: a patient can be in training and test)'} hold-out test set (${Math.round(c.holdOutFraction * 100)}% of patients), ${c.folds}-fold ${c.split === 'patient' ? 'stratified group' : 'stratified'} cross-validation on the rest (split seed derived from ${c.seed}). Leakage audit: ${r.leakage.groupsInMultipleSplits} patients in more than one of {test, validation folds}.`,
    ),
    item(
      '12b',
      'Methods',
      'Analytical methods: predictor handling',
      'filled',
      `Pixel intensities normalised by the preprocessing preset "${c.preprocessPreset}" (per-image, no data-set statistics fitted on test data)${c.inputNormalisation ? `, then as the ImageNet weights (${c.inputNormalisation.weightsTag}) expect: ${c.inputNormalisation.kind === 'caffe' ? 'Keras "caffe" BGR means' : 'torchvision mean/std'} (mean ${c.inputNormalisation.mean.join(', ')}, std ${c.inputNormalisation.std.join(', ')}) on the grayscale crop replicated to ${c.channels} channel(s)` : ''}.`,
    ),
    item(
      '12c',
      'Methods',
      'Analytical methods: model type, building steps, tuning, internal validation',
      'filled',
      `${c.arch} (${c.weights ? 'ImageNet-initialised' : 'trained from scratch'}), binary cross-entropy, Adam lr ${c.learningRate}, batch ${c.batchSize}, at most ${c.epochs} epochs, LR x${c.reduceLrOnPlateau.factor} after ${c.reduceLrOnPlateau.patience} epochs without improvement, early stopping after ${c.earlyStopping.patience}; best epoch per fold: ${bestEpochs}. Hyperparameters were fixed in advance (the "${c.preset}" preset and any overrides recorded in report.json config), not tuned on these data. Internal validation: the fold models' ensemble on the hold-out set.`,
    ),
    item(
      '12d',
      'Methods',
      'Analytical methods: heterogeneity across clusters',
      'authors',
      `${AUTHORS} (the manifest has no site column)`,
    ),
    item(
      '12e',
      'Methods',
      'Analytical methods: performance measures',
      'filled',
      'Discrimination: AUC with DeLong 95% CI at image and patient level (patient score = mean of vertebra scores), per vertebral level, sex and age band (only groups with at least 5 of each class); sensitivity, specificity, PPV, NPV at the Youden threshold of the pooled out-of-fold validation predictions; average precision; Brier score. Calibration: logistic recalibration slope and intercept, calibration-in-the-large (Wald 95% CIs), quantile reliability curves. Clinical utility: decision curve (net benefit). Comparison: paired DeLong test of the CNN against VBQ on the same test patients.',
    ),
    item(
      '12f',
      'Methods',
      'Analytical methods: model updating',
      'filled',
      "Recalibration at development: logistic maps on the logit (slope and intercept; intercept only when the slope is not positive) fitted by maximum likelihood: per fold model on its own validation fold (an image's probability is the mean of the fold models' recalibrated scores), and per result one for patients on the development patients' mean image probabilities; thresholds and the indeterminate band are chosen on the recalibrated out-of-fold validation scores. No other updating.",
    ),
    item(
      '12g',
      'Methods',
      'Analytical methods: how predictions were calculated',
      'filled',
      `Per image, the mean of the ${c.folds} fold models' sigmoid outputs, each through its fold's recalibration map; per patient, the mean over its vertebrae through the patient-level map; saved models and maps in model/ are applied by "op-screen predict".`,
    ),
    item(
      '13',
      'Methods',
      'Class imbalance',
      'filled',
      'No class-imbalance method (no resampling or class weights); the threshold is chosen by Youden on validation predictions.',
    ),
    item(
      '14',
      'Methods',
      'Fairness',
      'partial',
      `No fairness method was applied; performance by sex and age band is reported where the manifest has those columns (item 23a). Approach and rationale: ${AUTHORS.toLowerCase()}`,
    ),
    item(
      '15',
      'Methods',
      'Model output',
      'filled',
      `A recalibrated probability of osteoporosis per image and per patient; classification at the Youden threshold of the recalibrated out-of-fold validation predictions: ${Object.entries(
        r.results,
      )
        .map(([k, v]) => `${k} image ${f3(v?.image.threshold)} / patient ${f3(v?.patient.threshold)}`)
        .join(', ')}. Per patient also a three-way answer: ${
        Object.entries(r.band)
          .map(([k, b]) =>
            b ? `${k} low below ${f3(b.ruleOut)}, high from ${f3(b.ruleIn)}` : `${k} no band`,
          )
          .join(', ') || 'no band'
      }; in between indeterminate (refer to DXA).`,
    ),
    item(
      '16',
      'Methods',
      'Training versus evaluation',
      'filled',
      'Internal validation: development and test data come from the same cohort with the same eligibility, outcome and predictor definitions.',
    ),
    item(
      '17',
      'Methods',
      'Ethical approval',
      r.synthetic ? 'filled' : 'authors',
      r.synthetic ? 'Not applicable: synthetic data, no participants.' : AUTHORS,
    ),
  ];
}

function openScience(r: ReportCore, ctx: TripodContext): TripodItem[] {
  const pk = Object.entries(r.versions.packages)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    item('18a', 'Open science', 'Funding', 'authors', AUTHORS),
    item('18b', 'Open science', 'Conflicts of interest', 'authors', AUTHORS),
    item('18c', 'Open science', 'Protocol', 'authors', AUTHORS),
    item('18d', 'Open science', 'Registration', 'authors', AUTHORS),
    item(
      '18e',
      'Open science',
      'Data sharing',
      r.synthetic ? 'filled' : 'authors',
      r.synthetic
        ? `The data are regenerated exactly by "op-screen synth --patients ${ctx.generatedPatients ?? r.counts.patients} --seed ${ctx.generatorSeed ?? r.config.seed}" (byte-identical per seed).`
        : AUTHORS,
    ),
    item(
      '18f',
      'Open science',
      'Code sharing',
      'filled',
      `op-screen (Apache-2.0), Node ${r.versions.node}; ${pk}. The full configuration is report.json config; the run is repeated by "op-screen reproduce" with it.`,
    ),
    item('19', 'Patient and public involvement', 'Patient and public involvement', 'authors', AUTHORS),
  ];
}

function resultsItems(r: ReportCore, ctx: TripodContext): TripodItem[] {
  const ss = ctx.sampleSize;
  const ch = ctx.characteristics;
  const demo =
    ch.female + ch.male > 0 || ch.ageMedian !== null
      ? `Sex: ${ch.female} female, ${ch.male} male; age median ${ch.ageMedian ?? 'n/a'}${ch.ageRange ? ` (range ${ch.ageRange[0]}-${ch.ageRange[1]})` : ''} years.`
      : 'The manifest has no sex or age columns.';
  const perf = Object.entries(r.results)
    .map(([k, v]) => {
      const cal = r.calibration[k];
      const b = r.band[k];
      return `${k}: image AUC ${f3(v?.image.auc)} (${f3(v?.image.aucCI95[0])}-${f3(v?.image.aucCI95[1])}), patient AUC ${f3(v?.patient.auc)} (${f3(v?.patient.aucCI95[0])}-${f3(v?.patient.aucCI95[1])}); calibration slope image ${f3(cal?.recalibrated?.image.slope ?? null)}, patient ${f3(cal?.recalibrated?.patient.slope ?? null)} (raw scores ${f3(cal?.image.slope)}, ${f3(cal?.patient.slope)})${b ? `; three-way answer decided ${b.test.decided} of ${b.test.n} patients (coverage ${f3(b.test.coverage)}), sensitivity ${f3(b.test.sensitivity)} and specificity ${f3(b.test.specificity)} among them` : ''}`;
    })
    .join('; ');
  const vbq = r.baselines.vbq;
  const reported = Object.values(r.subgroups?.results ?? {})
    .flat()
    .flatMap((a) => a.groups);
  const sub = `${reported.filter((g) => g.reported).length} of ${reported.length} subgroup AUCs reported (at least ${r.subgroups?.minPerClass ?? 5} of each class)`;
  return [
    item(
      '20a',
      'Results',
      'Participants: flow',
      'filled',
      `${excludedText(r)}; ${skippedText(r)}; ${r.counts.images} usable images of ${r.counts.patients} patients; development ${ev(ss.development)}; hold-out test ${ev(ss.test)}.`,
    ),
    item(
      '20b',
      'Results',
      'Participants: characteristics',
      'partial',
      `${demo} Events: see item 21. Other characteristics (treatments, key predictors by group): ${AUTHORS.toLowerCase()}`,
    ),
    item(
      '20c',
      'Results',
      'Participants: development versus evaluation data',
      'filled',
      `Osteoporotic vertebrae: development ${ss.development.positiveVertebrae}/${ss.development.vertebrae}, test ${ss.test.positiveVertebrae}/${ss.test.vertebrae}; osteoporotic patients: development ${ss.development.positivePatients}/${ss.development.patients}, test ${ss.test.positivePatients}/${ss.test.patients}.`,
    ),
    item(
      '21',
      'Results',
      'Model development: participants and events per analysis',
      'filled',
      ss.folds
        .map((f, k) => `fold ${k}: training ${ev(f.train)}; validation ${ev(f.validation)}`)
        .join('. ') + `. Test: ${ev(ss.test)}.`,
    ),
    item(
      '22',
      'Results',
      'Model specification',
      'filled',
      `The fold models (${r.config.arch}, ${r.config.inputSize} px input) with their thresholds and preprocessing spec are saved in the run's model/ directory (meta.json) and applied to new images by "op-screen predict"; freely available under Apache-2.0.`,
    ),
    item(
      '23a',
      'Results',
      'Model performance with confidence intervals, including subgroups',
      'filled',
      `Hold-out test set: ${perf}.${vbq ? ` VBQ patient AUC ${f3(vbq.auc)} (${f3(vbq.aucCI95[0])}-${f3(vbq.aucCI95[1])}) on all ${vbq.n} patients${vbq.test ? `, ${f3(vbq.test.auc)} on the ${vbq.test.n} test patients (paired DeLong against the CNN p = ${f3(vbq.test.pairedDeLong.p)})` : ''}.` : ''}${r.oracle ? ` Oracle (best attainable on these test patients): image ${f3(r.oracle.image.auc)}, patient ${f3(r.oracle.patient.auc)}.` : ''} Subgroups: ${sub}.`,
    ),
    item('23b', 'Results', 'Model performance: heterogeneity across clusters', 'authors', AUTHORS),
    item(
      '24',
      'Results',
      'Model updating',
      'filled',
      `Only the development recalibration (item 12f); the fitted maps: ${Object.entries(r.calibration)
        .map(([k, c]) =>
          c.recalibrated
            ? `${k} images per fold model ${c.recalibrated.map.folds.map((m) => `a ${f3(m.intercept)}, b ${f3(m.slope)}`).join(' / ')}; patients a ${f3(c.recalibrated.map.patient.intercept)}, b ${f3(c.recalibrated.map.patient.slope)}`
            : `${k} none`,
        )
        .join('; ')}.`,
    ),
    item('25', 'Discussion', 'Interpretation', 'authors', AUTHORS),
    item(
      '26',
      'Discussion',
      'Limitations',
      'partial',
      `Small hold-out set (${ss.test.patients} patients, ${ss.test.positivePatients} positive): wide CIs${r.split === 'image' ? '; image-level split (optimistic)' : ''}${r.synthetic ? '; synthetic data' : ''}. Further limitations: ${AUTHORS.toLowerCase()}`,
    ),
    item(
      '27a',
      'Discussion',
      'Usability: poor quality or unavailable input data',
      'partial',
      `Unreadable images and ROIs outside the slice are skipped and reported with a reason, never scored. How to handle them in practice: ${AUTHORS.toLowerCase()}`,
    ),
    item(
      '27b',
      'Discussion',
      'Usability: user interaction and expertise',
      'partial',
      `Users draw or check the vertebral ROIs (op-screen annotate). Required expertise: ${AUTHORS.toLowerCase()}`,
    ),
    item('27c', 'Discussion', 'Usability: next steps', 'authors', AUTHORS),
  ];
}

/** The TRIPOD+AI section of report.json, filled from the run's values (see the module comment). */
export function buildTripod(r: ReportCore, ctx: TripodContext): Tripod {
  return {
    guideline: TRIPOD_AI_REFERENCE,
    note: 'status "filled": written from this run; "partial": the run\'s part is filled, the rest is for the authors; "authors": only the authors can report it.',
    sampleSize: ctx.sampleSize,
    items: [
      ...introAndData(r, ctx),
      ...predictorsAndAnalysis(r),
      ...openScience(r, ctx),
      ...resultsItems(r, ctx),
    ],
  };
}

function tripodHtml(t: Tripod | null): string {
  if (!t) return '';
  const rows = t.items.map(
    (i) =>
      `<tr><td>${esc(i.item)}</td><td style="text-align:left">${esc(i.section)}: ${esc(i.topic)}</td><td>${i.status}</td><td style="text-align:left">${esc(i.text)}</td></tr>`,
  );
  return `<h2>TRIPOD+AI checklist</h2><p class="note">${esc(t.guideline)}. ${esc(t.note)}</p><table><tr><th>item</th><th>topic</th><th>status</th><th>reported</th></tr>${rows.join('')}</table>`;
}

/** The report.json fields of the tripod section. */
export const tripodShape = {
  /** The TRIPOD+AI items this run can fill, from its own values; the rest marked for the authors. */
  tripod: tripodSchema.nullable().default(null),
};

/** The TRIPOD+AI checklist filled from the finished report (`buildTripod`). */
export const tripodSection: ReportSection = {
  name: 'tripod',
  shape: tripodShape,
  html: (report) => tripodHtml(report.tripod),
};
