/**
 * What every chart states: a title, the axes with their units, and how the values were smoothed. The
 * types make the unit and the smoothing required, so no chart can leave them out.
 */
export interface Axis {
  readonly label: string;
  /** Unit of the values, shown in the axis title ("steps", "nats / token", "fraction correct", "s"). */
  readonly unit: string;
  /** Fixed ends of the axis; by default the data's range (padded by 5% on y). */
  readonly min?: number;
  readonly max?: number;
}

export interface ChartFrame {
  readonly title: string;
  /** How the plotted values were smoothed ("none: one value per task", "EMA α = 0.1 (bias-corrected)"). */
  readonly smoothing: string;
  /** A further line under the plot (what a band is, where the data came from). */
  readonly note?: string;
  readonly width?: number;
  readonly height?: number;
}

export const axisTitle = (a: Axis): string => `${a.label} (${a.unit})`;
