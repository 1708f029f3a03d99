/**
 * Parameters of the synthetic cohort's generative model, version 2 (README.md, "Synthetic cohort").
 * Every effect the generator renders has its knob here; `samplePatient` draws the latent
 * quantities from them and `oracle.ts` inverts the same model, so the two cannot drift apart.
 */

/** Written to the cohort's sidecar; bump whenever a parameter or the sampling order changes. */
export const SYNTH_GENERATOR_VERSION = 3;

export const SYNTH_PARAMS = {
  /** Demographics: sex ~ Bernoulli(femaleFraction); age = mean + sd * z, z ~ N(0, 1). */
  demographics: { femaleFraction: 0.55, ageMean: 65, ageSd: 10 },
  /**
   * Bone density. Patient mean T-score mu = base + agePerDecade * z + female * [F] + patientSd * N(0, 1);
   * each vertebra T = mu + vertebraSd * N(0, 1), rounded to 0.01 (about 20% of vertebrae <= -2.5).
   */
  tScore: { base: -1.4, agePerDecade: -0.3, female: -0.35, patientSd: 0.9, vertebraSd: 0.5 },
  /**
   * Marrow proton-density fat fraction f = base + perTDeficit * (-T) + agePerDecade[sex] * z + male * [M]
   * + patientSd * N(0, 1) + vertebraSd * N(0, 1), clipped to [min, max]: the part not explained by
   * density (age, sex, person, vertebra) is what limits VBQ.
   */
  fat: {
    base: 0.4,
    perTDeficit: 0.065,
    agePerDecade: { F: 0.06, M: 0.035 },
    male: 0.04,
    patientSd: 0.05,
    vertebraSd: 0.05,
    min: 0.05,
    max: 0.95,
  },
  /**
   * Trabecular texture: correlation length c = base + perDeficit * clamp(-T, 0, 4) + sd * N(0, 1), at least
   * `min` pixels; amplitude = amplitudeBase + amplitudePerScale * (c - 1) (so it carries nothing beyond c).
   */
  texture: { base: 1.1, perDeficit: 0.25, sd: 0.35, min: 0.6, amplitudeBase: 0.06, amplitudePerScale: 0.03 },
  /**
   * Compression fracture (flattened body, manifest `exclude = fracture`): P = logistic(intercept + perTDeficit * (-T));
   * the fractured body keeps `heightMin`..`heightMax` of its height (uniform), more anteriorly (wedge).
   */
  fracture: { intercept: -6.2, perTDeficit: 1.3, heightMin: 0.55, heightMax: 0.8 },
  /** Haemangioma: per-vertebra probability; radius uniform in px; T1 ~ fat, T2 bright. */
  haemangioma: { probability: 0.12, radiusMin: 1.8, radiusMax: 4.5, t1Fat: 0.8, t2Signal: 1.05 },
  /**
   * Endplate changes, per vertebra, independent of density: Modic 1 (oedema: T1 x modic1T1, T2 x modic1T2),
   * Modic 2 (fatty: fat fraction pushed to modic2Fat), degenerative sclerosis (both x sclerosis); band
   * depth uniform depthMin..depthMax px at the upper, lower or both endplates.
   */
  endplate: {
    modic1: 0.06,
    modic2: 0.1,
    sclerosis: 0.08,
    modic1T1: 0.65,
    modic1T2: 1.4,
    modic2Fat: 0.85,
    sclerosisFactor: 0.45,
    depthMin: 2,
    depthMax: 5,
  },
  /**
   * Per-patient T1 protocol: r ~ N(0, 1) sets TR = 600 * exp(trPerR * r) ms; water-bearing tissue T1 signal
   * x exp(waterPerR * r), CSF x exp(csfPerR * r + csfSd * N(0, 1)) (CSF has the longest T1 and flow).
   */
  t1Protocol: { trPerR: 0.3, waterPerR: 0.12, csfPerR: 0.08, csfSd: 0.05 },
  /**
   * Partial volume: the nominal mid-sagittal slice sits offset * slice spacing off the midline, offset ~ U(0, max);
   * each slice blends the anatomy of the two integer lateral positions around it. At lateral position k the
   * canal holds canalCsf[k] CSF (the rest nerve roots and epidural fat) and the body is bodyWidth[k] wide.
   */
  offMidline: { max: 0.6, canalCsf: [1, 0.9, 0.5, 0], bodyWidth: [1, 0.95, 0.85, 0.7] },
  /**
   * Tissue signals before protocol, gain, bias and noise (fat on T1 = 1). T2 is a fast spin echo at
   * TE about 100 ms: signal ~ exp(-TE / T2) with T2 about 50 ms for marrow water and an apparent
   * 130 ms for fat (J-coupling), so marrow water is about a quarter of fat.
   */
  signal: {
    T1: { fat: 1.0, water: 0.28, muscle: 0.34, csf: 0.12, disc: 0.32, cortex: 0.06, softFat: 0.95 },
    T2: { fat: 0.8, water: 0.22, muscle: 0.24, csf: 1.0, disc: 0.8, cortex: 0.05, softFat: 0.8 },
  },
} as const;

export type SynthParams = typeof SYNTH_PARAMS;
