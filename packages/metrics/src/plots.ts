import type { RocBand } from './bootstrap.js';
import type { CalibrationCurve } from './calibration.js';
import type { PrCurve, RocCurve } from './curve.js';
import type { NetBenefitPoint } from './decision.js';
import type { ThresholdMetrics } from './threshold.js';

/** A Vega-Lite (v6) specification as plain JSON, ready for `vega-lite`'s compile or any Vega-Lite viewer. */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const SIZE = { width: 360, height: 320 };
const unit = { scale: { domain: [0, 1] } };

const diagonal = (title: string) => ({
  data: {
    values: [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ],
  },
  mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
  encoding: { x: { field: 'x', type: 'quantitative', title }, y: { field: 'y', type: 'quantitative' } },
});

/** ROC curve (step points in threshold order), chance diagonal, and an optional pointwise CI band. */
export function rocSpec(
  curve: Pick<RocCurve, 'fpr' | 'tpr'>,
  options: { band?: RocBand; title?: string } = {},
): VegaLiteSpec {
  const points = Array.from(curve.fpr, (x, i) => ({ i, fpr: x, tpr: curve.tpr[i] }));
  const layers: unknown[] = [];
  if (options.band) {
    const b = options.band;
    layers.push({
      data: { values: b.fpr.map((x, i) => ({ fpr: x, lower: b.lower[i], upper: b.upper[i] })) },
      mark: { type: 'area', opacity: 0.25, color: '#4c78a8' },
      encoding: {
        x: { field: 'fpr', type: 'quantitative' },
        y: { field: 'lower', type: 'quantitative' },
        y2: { field: 'upper' },
      },
    });
  }
  layers.push(diagonal('1 - specificity'));
  layers.push({
    data: { values: points },
    mark: { type: 'line', color: '#4c78a8' },
    encoding: {
      x: { field: 'fpr', type: 'quantitative', title: '1 - specificity', ...unit },
      y: { field: 'tpr', type: 'quantitative', title: 'sensitivity', ...unit },
      order: { field: 'i' },
    },
  });
  return { $schema: SCHEMA, title: options.title ?? 'ROC curve', ...SIZE, layer: layers };
}

/** Precision-recall curve with the prevalence (a no-skill classifier) as a reference line. */
export function prSpec(curve: PrCurve, options: { prevalence?: number; title?: string } = {}): VegaLiteSpec {
  const points = Array.from(curve.recall, (r, i) => ({ i, recall: r, precision: curve.precision[i] }));
  const layers: unknown[] = [
    {
      data: { values: points },
      mark: { type: 'line', interpolate: 'step-before', color: '#f58518' },
      encoding: {
        x: { field: 'recall', type: 'quantitative', title: 'recall (sensitivity)', ...unit },
        y: { field: 'precision', type: 'quantitative', title: 'precision (PPV)', ...unit },
        order: { field: 'i' },
      },
    },
  ];
  if (options.prevalence !== undefined) {
    layers.push({
      data: { values: [{ y: options.prevalence }] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#999' },
      encoding: { y: { field: 'y', type: 'quantitative' } },
    });
  }
  return { $schema: SCHEMA, title: options.title ?? 'Precision-recall curve', ...SIZE, layer: layers };
}

/** Reliability diagram: observed fraction positive against mean predicted probability per bin. */
export function calibrationSpec(curve: CalibrationCurve, options: { title?: string } = {}): VegaLiteSpec {
  const points = curve.meanPredicted.map((p, i) => ({
    predicted: p,
    observed: curve.fracPositives[i],
    n: curve.counts[i],
  }));
  return {
    $schema: SCHEMA,
    title: options.title ?? 'Calibration',
    ...SIZE,
    layer: [
      diagonal('mean predicted probability'),
      {
        data: { values: points },
        mark: { type: 'line', point: true, color: '#54a24b' },
        encoding: {
          x: { field: 'predicted', type: 'quantitative', title: 'mean predicted probability', ...unit },
          y: { field: 'observed', type: 'quantitative', title: 'observed fraction positive', ...unit },
        },
      },
    ],
  };
}

/** Decision curve: net benefit of the model, treat-all and treat-none against threshold probability. */
export function decisionCurveSpec(
  points: readonly NetBenefitPoint[],
  options: { title?: string } = {},
): VegaLiteSpec {
  const rows = points.flatMap((p) => [
    { pt: p.pt, strategy: 'model', netBenefit: p.model },
    { pt: p.pt, strategy: 'treat all', netBenefit: p.treatAll },
    { pt: p.pt, strategy: 'treat none', netBenefit: p.treatNone },
  ]);
  const top = Math.max(0.01, ...points.map((p) => Math.max(p.model, p.treatAll)));
  return {
    $schema: SCHEMA,
    title: options.title ?? 'Decision curve',
    ...SIZE,
    data: { values: rows },
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'pt', type: 'quantitative', title: 'threshold probability' },
      y: {
        field: 'netBenefit',
        type: 'quantitative',
        title: 'net benefit',
        scale: { domain: [-0.05 * top, top * 1.05] },
      },
      color: { field: 'strategy', type: 'nominal' },
    },
  };
}

/** 2x2 confusion matrix heat map with counts. */
export function confusionMatrixSpec(
  m: Pick<ThresholdMetrics, 'tp' | 'fp' | 'tn' | 'fn' | 'threshold'>,
  options: { title?: string } = {},
): VegaLiteSpec {
  const cells = [
    { actual: 'positive', predicted: 'positive', count: m.tp },
    { actual: 'positive', predicted: 'negative', count: m.fn },
    { actual: 'negative', predicted: 'positive', count: m.fp },
    { actual: 'negative', predicted: 'negative', count: m.tn },
  ];
  const order = ['positive', 'negative'];
  return {
    $schema: SCHEMA,
    title: options.title ?? `Confusion matrix (score >= ${Number(m.threshold.toPrecision(6))})`,
    width: 220,
    height: 220,
    data: { values: cells },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted' },
      y: { field: 'actual', type: 'nominal', sort: order, title: 'actual' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', legend: null } } },
      { mark: { type: 'text', fontSize: 16 }, encoding: { text: { field: 'count', type: 'quantitative' } } },
    ],
  };
}

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** Generic multi-series line chart (e.g. training and validation loss per epoch). */
export function lineChartSpec(
  series: readonly LineSeries[],
  options: { title?: string; xTitle?: string; yTitle?: string; yScale?: 'linear' | 'log' } = {},
): VegaLiteSpec {
  const rows = series.flatMap((s) => Array.from(s.x, (x, i) => ({ series: s.name, x, y: s.y[i] })));
  return {
    $schema: SCHEMA,
    title: options.title ?? '',
    ...SIZE,
    data: { values: rows },
    mark: { type: 'line', point: rows.length <= 200 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle ?? 'x' },
      y: {
        field: 'y',
        type: 'quantitative',
        title: options.yTitle ?? 'y',
        scale: { type: options.yScale ?? 'linear', zero: false },
      },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/**
 * Renders a Vega-Lite spec to an SVG string with vega + vega-lite, headless (no canvas, no
 * browser). Both are ESM-only, so they are loaded on first use; this keeps the CJS build working.
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
