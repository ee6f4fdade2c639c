/**
 * Orders a task's models by parameter count and merges models of the same size, because the
 * statistics need one score per scale (x_{i+1} > x_i). Equal sizes are averaged rather than
 * rejected: two 7B models are two measurements of "what 7B does" and neither is more right.
 */
export interface CurveInput {
  model: string;
  params: number;
  normalized: number;
}

export interface CurvePoint {
  params: number;
  normalized: number;
  /** More than one when models of this size were averaged. */
  models: string[];
}

export function scaleCurve(points: readonly CurveInput[]): CurvePoint[] {
  const sorted = [...points].sort((a, b) => a.params - b.params || a.model.localeCompare(b.model));
  const curve: CurvePoint[] = [];
  const sums: number[] = [];
  for (const point of sorted) {
    const last = curve[curve.length - 1];
    if (last && last.params === point.params) {
      last.models.push(point.model);
      sums[sums.length - 1] = (sums[sums.length - 1] as number) + point.normalized;
      last.normalized = (sums[sums.length - 1] as number) / last.models.length;
    } else {
      curve.push({ params: point.params, normalized: point.normalized, models: [point.model] });
      sums.push(point.normalized);
    }
  }
  return curve;
}
